// The REST broadcast endpoints, `/realtime/v1/api/broadcast` (a batch of JSON messages) and
// `/realtime/v1/api/broadcast/<topic>/events/<event>` (one message, JSON or raw bytes).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Sql } from "postgres";
import { apiKeyOf, bearerToken, BodyTooLargeError, readBody, sendEmpty, sendJson } from "../http-io.ts";
import { JwtRejectedError, type SigningKeys, type VerifiedClaims } from "../signing-keys.ts";
import type { ChannelRegistry } from "./channel-registry.ts";
import { isObject } from "./phoenix-frames.ts";
import { authorizeTopic } from "./topic-authorization.ts";

interface RestMessage {
  subTopic: string;
  userEvent: string;
  isPrivate: boolean;
  json?: unknown;
  raw?: Buffer;
}

/** The one message a single-message URL names: its topic and event, still without a payload. */
interface SingleTarget {
  subTopic: string;
  userEvent: string;
  isPrivate: boolean;
}

type Failure = { status: number; message: string };

const SINGLE_MESSAGE_PATH = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/;

/** What the REST endpoints need: keys for the caller, the database for private topics, and the fan-out. */
interface RestBroadcastContext {
  sql: Sql;
  keys: SigningKeys;
  maxPayloadBytes: number;
  registry: ChannelRegistry;
}

export function createRestBroadcast(context: RestBroadcastContext) {
  return {
    handleRestBroadcast: (request: IncomingMessage, response: ServerResponse, url: URL, subPath: string, headers: Record<string, string>) =>
      handleRestBroadcast(context, request, response, url, subPath, headers),
  };
}

/** Handles `/realtime/v1/api/broadcast[/<topic>/events/<event>]`; `subPath` starts at `/api`. */
async function handleRestBroadcast(context: RestBroadcastContext, request: IncomingMessage, response: ServerResponse, url: URL, subPath: string, headers: Record<string, string>): Promise<void> {
  const singlePath = SINGLE_MESSAGE_PATH.exec(subPath);
  if (request.method !== "POST" || (subPath !== "/api/broadcast" && !singlePath)) {
    return sendJson(response, 404, { message: "Not Found" }, headers);
  }
  const caller = await claimsOfRestCaller(context.keys, request, url);
  if ("status" in caller) return sendJson(response, caller.status, { message: caller.message }, headers);
  const single = singlePath ? singleTargetOf(singlePath, url) : undefined;
  const messages = await readMessages(request, single, context.maxPayloadBytes);
  if ("status" in messages) return sendJson(response, messages.status, { message: messages.message }, headers);
  const refused = await deliverAuthorized(context, messages, caller.claims, single !== undefined);
  if (refused) return sendJson(response, refused.status, { message: refused.message }, headers);
  sendEmpty(response, 202, headers);
}

/** The caller's claims: the bearer token's, or the API key's when no bearer token is sent. */
async function claimsOfRestCaller(keys: SigningKeys, request: IncomingMessage, url: URL): Promise<{ claims: VerifiedClaims } | Failure> {
  const apiKey = apiKeyOf(request, url);
  if (!apiKey) return { status: 401, message: "No API key found in request" };
  try {
    await keys.verify(apiKey);
    return { claims: await keys.verify(bearerToken(request) ?? apiKey) };
  } catch (error) {
    if (error instanceof JwtRejectedError) return { status: 401, message: error.message };
    throw error;
  }
}

function singleTargetOf(singlePath: RegExpExecArray, url: URL): SingleTarget {
  return {
    subTopic: decodeURIComponent(singlePath[1]),
    userEvent: decodeURIComponent(singlePath[2]),
    isPrivate: url.searchParams.get("private") === "true",
  };
}

async function readMessages(request: IncomingMessage, single: SingleTarget | undefined, maxPayloadBytes: number): Promise<RestMessage[] | Failure> {
  let body: Buffer;
  try {
    body = await readBody(request, maxPayloadBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { status: 413, message: `Payload exceeds ${maxPayloadBytes} bytes` };
    throw error;
  }
  const parsed = single ? parseSingle(single, body, String(request.headers["content-type"] ?? "")) : parseBatch(body);
  return typeof parsed === "string" ? { status: 422, message: parsed } : parsed;
}

/**
 * Delivers what the caller may write. A refused private topic fails the single endpoint;
 * the batch endpoint, like hosted Realtime, drops those messages and delivers the rest.
 */
async function deliverAuthorized(context: RestBroadcastContext, messages: RestMessage[], claims: VerifiedClaims, isSingle: boolean): Promise<Failure | undefined> {
  // One authorization probe per topic, however many of the batch's messages name it.
  const writable = new Map<string, boolean>();
  for (const message of messages) {
    if (message.isPrivate && !(await mayWrite(context.sql, writable, message.subTopic, claims))) {
      if (isSingle) return { status: 403, message: `Unauthorized: You do not have permissions to write to this Channel topic: ${message.subTopic}` };
      continue;
    }
    context.registry.deliverBroadcast(message.isPrivate, message.subTopic, { userEvent: message.userEvent, id: randomUUID(), json: message.json, raw: message.raw, binary: false });
  }
  return undefined;
}

async function mayWrite(sql: Sql, writable: Map<string, boolean>, subTopic: string, claims: VerifiedClaims): Promise<boolean> {
  let allowed = writable.get(subTopic);
  if (allowed === undefined) {
    allowed = (await authorizeTopic(sql, subTopic, claims)).broadcastWrite;
    writable.set(subTopic, allowed);
  }
  return allowed;
}

/** The single endpoint's body: raw bytes for application/octet-stream, JSON otherwise. */
function parseSingle(target: SingleTarget, body: Buffer, contentType: string): RestMessage[] | string {
  if (contentType.startsWith("application/octet-stream")) return [{ ...target, raw: body }];
  try {
    return [{ ...target, json: JSON.parse(body.toString("utf8")) }];
  } catch {
    return "body is not valid JSON";
  }
}

function parseBatch(body: Buffer): RestMessage[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return "body is not valid JSON";
  }
  if (!isObject(parsed) || !Array.isArray(parsed.messages)) return "body must be {\"messages\": [...]}";
  const messages: RestMessage[] = [];
  for (const entry of parsed.messages) {
    if (!isObject(entry) || typeof entry.topic !== "string" || entry.topic.length === 0 || typeof entry.event !== "string" || entry.event.length === 0) {
      return "every message needs a topic and an event";
    }
    messages.push({ subTopic: entry.topic, userEvent: entry.event, isPrivate: entry.private === true, json: entry.payload ?? {} });
  }
  return messages;
}
