// Realtime for the local stand-in: Phoenix channels over WebSocket (broadcast, presence,
// private topics authorized by the RLS policies on realtime.messages), the REST
// broadcast endpoints, and delivery of the rows realtime.send() inserts (LISTEN on the
// bootstrap's NOTIFY trigger; hosted Realtime reads them by logical replication).
import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Sql } from "postgres";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { apiKeyOf, bearerToken, BodyTooLargeError, readBody, sendEmpty, sendJson } from "../http-io.ts";
import { JwtRejectedError, type SigningKeys, type VerifiedClaims } from "../signing-keys.ts";
import {
  decodeBinaryPush,
  decodeTextFrame,
  encodeBinaryBroadcast,
  encodeTextFrame,
  MalformedFrameError,
  SUPPORTED_VERSIONS,
  type PhoenixMessage,
  type ProtocolVersion,
} from "./phoenix-frames.ts";
import { ALL_ALLOWED, authorizeTopic, type TopicPolicies } from "./topic-authorization.ts";

export interface RealtimeLimits {
  maxChannelsPerConnection: number;
  maxMessagesPerSecond: number;
  /** Largest broadcast or presence payload accepted (hosted Free plan: 256 KB). */
  maxPayloadBytes: number;
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  maxChannelsPerConnection: 100,
  maxMessagesPerSecond: 100,
  maxPayloadBytes: 256 * 1024,
};

export interface RealtimeOptions {
  sql: Sql;
  keys: SigningKeys;
  limits: RealtimeLimits;
  log: (line: string) => void;
}

/** One joined channel on one connection. */
interface Subscription {
  connection: Connection;
  topic: string;
  subTopic: string;
  joinRef: string;
  isPrivate: boolean;
  broadcastSelf: boolean;
  broadcastAck: boolean;
  presenceKey: string;
  /** presence_state was sent: the client applies presence_diff only after it. */
  presenceSynced: boolean;
  claims: VerifiedClaims;
  policies: TopicPolicies;
  expiryTimer: NodeJS.Timeout | undefined;
}

interface Connection {
  socket: WebSocket;
  version: ProtocolVersion;
  apiKey: string;
  channels: Map<string, Subscription>;
  rateWindowStartedAt: number;
  messagesInWindow: number;
  /** Messages are handled one after another so a connection's pushes keep their order. */
  queue: Promise<void>;
}

interface PresenceEntry {
  subscription: Subscription;
  meta: Record<string, unknown> & { phx_ref: string };
}

interface OutgoingBroadcast {
  userEvent: string;
  id: string;
  /** JSON payload, or the raw bytes of a binary (encoding 0) payload. */
  json?: unknown;
  raw?: Buffer;
  /** Pushed by a vsn 2.0.0 client as a binary frame: answer vsn 2.0.0 listeners in kind. */
  binary: boolean;
}

const SLOW_CONSUMER_BUFFER_BYTES = 16 * 1024 * 1024;
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const TOPIC_PREFIX = "realtime:";

const routeKey = (isPrivate: boolean, subTopic: string) => `${isPrivate ? "private" : "public"}:${subTopic}`;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function createRealtimeServer(options: RealtimeOptions) {
  const { sql, keys, limits, log } = options;
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes * 4 });
  const connections = new Set<Connection>();
  const routes = new Map<string, Set<Subscription>>();
  const presence = new Map<string, Map<string, PresenceEntry[]>>();
  let accepting = true;
  let presenceRefCounter = 0;
  let stopListening: (() => Promise<void>) | undefined;

  // --- sending -------------------------------------------------------------------

  function send(connection: Connection, message: PhoenixMessage): void {
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (connection.socket.bufferedAmount > SLOW_CONSUMER_BUFFER_BYTES) {
      // A client that stopped reading would otherwise grow our memory without bound.
      connection.socket.terminate();
      return;
    }
    connection.socket.send(encodeTextFrame(message, connection.version));
  }

  function reply(connection: Connection, request: { joinRef: string | null; ref: string | null; topic: string }, status: "ok" | "error", response: Record<string, unknown>): void {
    if (request.ref === null) return;
    send(connection, { joinRef: request.joinRef, ref: request.ref, topic: request.topic, event: "phx_reply", payload: { status, response } });
  }

  function replyError(connection: Connection, request: { joinRef: string | null; ref: string | null; topic: string }, reason: string): void {
    reply(connection, request, "error", { reason });
  }

  function sendSystemError(subscription: Subscription, message: string): void {
    send(subscription.connection, {
      joinRef: subscription.joinRef,
      ref: null,
      topic: subscription.topic,
      event: "system",
      payload: { message, status: "error", extension: "system", channel: subscription.subTopic },
    });
  }

  function deliverBroadcast(isPrivate: boolean, subTopic: string, broadcast: OutgoingBroadcast, sender?: Subscription): void {
    const subscribers = routes.get(routeKey(isPrivate, subTopic));
    if (!subscribers) return;
    for (const subscription of subscribers) {
      if (subscription === sender && !subscription.broadcastSelf) continue;
      if (!subscription.policies.broadcastRead) continue;
      const { connection } = subscription;
      if (connection.version === "2.0.0" && (broadcast.binary || broadcast.raw)) {
        if (connection.socket.readyState !== WebSocket.OPEN) continue;
        connection.socket.send(
          encodeBinaryBroadcast({
            topic: subscription.topic,
            userEvent: broadcast.userEvent,
            meta: { id: broadcast.id },
            encoding: broadcast.raw ? "raw" : "json",
            payloadBytes: broadcast.raw ?? Buffer.from(JSON.stringify(broadcast.json ?? {}), "utf8"),
          }),
        );
        continue;
      }
      // vsn 1.0.0 has no binary frames: raw bytes cannot reach those clients.
      if (broadcast.raw) continue;
      send(connection, {
        joinRef: null,
        ref: null,
        topic: subscription.topic,
        event: "broadcast",
        payload: { type: "broadcast", event: broadcast.userEvent, payload: broadcast.json ?? {}, meta: { id: broadcast.id } },
      });
    }
  }

  // --- presence -------------------------------------------------------------------

  function presenceOf(subscription: Subscription): Map<string, PresenceEntry[]> {
    const key = routeKey(subscription.isPrivate, subscription.subTopic);
    let state = presence.get(key);
    if (!state) {
      state = new Map();
      presence.set(key, state);
    }
    return state;
  }

  function presenceSnapshot(state: Map<string, PresenceEntry[]>): Record<string, { metas: Record<string, unknown>[] }> {
    const snapshot: Record<string, { metas: Record<string, unknown>[] }> = {};
    for (const [key, entries] of state) snapshot[key] = { metas: entries.map((entry) => entry.meta) };
    return snapshot;
  }

  function syncPresenceState(subscription: Subscription): void {
    if (subscription.presenceSynced || !subscription.policies.presenceRead) return;
    subscription.presenceSynced = true;
    send(subscription.connection, {
      joinRef: subscription.joinRef,
      ref: null,
      topic: subscription.topic,
      event: "presence_state",
      payload: presenceSnapshot(presenceOf(subscription)),
    });
  }

  function broadcastPresenceDiff(origin: Subscription, diff: { joins: Record<string, unknown>; leaves: Record<string, unknown> }): void {
    const subscribers = routes.get(routeKey(origin.isPrivate, origin.subTopic));
    if (!subscribers) return;
    for (const subscription of subscribers) {
      if (!subscription.presenceSynced) continue;
      send(subscription.connection, { joinRef: null, ref: null, topic: subscription.topic, event: "presence_diff", payload: diff });
    }
  }

  function untrack(subscription: Subscription): void {
    const state = presenceOf(subscription);
    const entries = state.get(subscription.presenceKey);
    const own = entries?.find((entry) => entry.subscription === subscription);
    if (!entries || !own) return;
    const remaining = entries.filter((entry) => entry !== own);
    if (remaining.length > 0) state.set(subscription.presenceKey, remaining);
    else state.delete(subscription.presenceKey);
    if (state.size === 0) presence.delete(routeKey(subscription.isPrivate, subscription.subTopic));
    broadcastPresenceDiff(subscription, { joins: {}, leaves: { [subscription.presenceKey]: { metas: [own.meta] } } });
  }

  function track(subscription: Subscription, meta: Record<string, unknown>): void {
    syncPresenceState(subscription);
    const state = presenceOf(subscription);
    const entries = state.get(subscription.presenceKey) ?? [];
    const previous = entries.find((entry) => entry.subscription === subscription);
    const nextMeta = {
      ...meta,
      phx_ref: `${Date.now().toString(36)}-${++presenceRefCounter}`,
      ...(previous ? { phx_ref_prev: previous.meta.phx_ref } : {}),
    };
    const next: PresenceEntry = { subscription, meta: nextMeta };
    state.set(subscription.presenceKey, previous ? entries.map((entry) => (entry === previous ? next : entry)) : [...entries, next]);
    broadcastPresenceDiff(subscription, {
      joins: { [subscription.presenceKey]: { metas: [nextMeta] } },
      leaves: previous ? { [subscription.presenceKey]: { metas: [previous.meta] } } : {},
    });
  }

  // --- channel lifecycle -------------------------------------------------------------

  function closeSubscription(subscription: Subscription, notifyClient: boolean): void {
    const { connection } = subscription;
    if (connection.channels.get(subscription.topic) === subscription) connection.channels.delete(subscription.topic);
    const key = routeKey(subscription.isPrivate, subscription.subTopic);
    const subscribers = routes.get(key);
    if (subscribers?.delete(subscription) && subscribers.size === 0) routes.delete(key);
    clearTimeout(subscription.expiryTimer);
    untrack(subscription);
    if (notifyClient) {
      send(connection, { joinRef: subscription.joinRef, ref: subscription.joinRef, topic: subscription.topic, event: "phx_close", payload: {} });
    }
  }

  function scheduleExpiry(subscription: Subscription): void {
    clearTimeout(subscription.expiryTimer);
    const exp = subscription.claims.exp;
    if (typeof exp !== "number") return;
    const delay = exp * 1000 - Date.now();
    if (delay > MAX_TIMER_DELAY_MS) return; // API keys live for years; nothing to schedule.
    subscription.expiryTimer = setTimeout(() => {
      if (subscription.connection.channels.get(subscription.topic) !== subscription) return;
      sendSystemError(subscription, "Token has expired 0 seconds ago");
      closeSubscription(subscription, true);
    }, Math.max(0, delay));
    subscription.expiryTimer.unref();
  }

  async function verifyChannelToken(token: string): Promise<{ claims: VerifiedClaims } | { error: string }> {
    try {
      const claims = await keys.verify(token);
      if (claims.role !== "anon" && claims.role !== "authenticated" && claims.role !== "service_role") {
        return { error: "InvalidJWTToken: the token's role claim is not anon, authenticated or service_role" };
      }
      return { claims };
    } catch (error) {
      if (error instanceof JwtRejectedError) {
        return { error: error.reason === "expired" ? error.message : `InvalidJWTToken: ${error.message}` };
      }
      throw error;
    }
  }

  async function join(connection: Connection, message: PhoenixMessage): Promise<void> {
    if (!message.topic.startsWith(TOPIC_PREFIX)) return replyError(connection, message, "unmatched topic");
    const joinRef = message.joinRef ?? message.ref;
    if (joinRef === null) return replyError(connection, message, "phx_join needs a join_ref");
    const request = { joinRef, ref: message.ref, topic: message.topic };
    const subTopic = message.topic.slice(TOPIC_PREFIX.length);
    const payload = isObject(message.payload) ? message.payload : {};
    const config = isObject(payload.config) ? payload.config : {};
    const broadcastConfig = isObject(config.broadcast) ? config.broadcast : {};
    const presenceConfig = isObject(config.presence) ? config.presence : {};

    const existing = connection.channels.get(message.topic);
    // Phoenix closes the previous channel when a topic is joined again on the same socket.
    if (existing) closeSubscription(existing, true);
    if (connection.channels.size >= limits.maxChannelsPerConnection) {
      return replyError(connection, request, `ChannelRateLimitReached: Too many channels (limit ${limits.maxChannelsPerConnection} per connection)`);
    }
    if (Array.isArray(config.postgres_changes) && config.postgres_changes.length > 0) {
      return replyError(connection, request, "postgres_changes is not supported by the local stand-in; use broadcast");
    }
    const token = typeof payload.access_token === "string" && payload.access_token.length > 0 ? payload.access_token : connection.apiKey;
    const verified = await verifyChannelToken(token);
    if ("error" in verified) return replyError(connection, request, verified.error);

    const isPrivate = config.private === true;
    const policies = isPrivate ? await authorizeTopic(sql, subTopic, verified.claims) : ALL_ALLOWED;
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (!policies.broadcastRead && !policies.presenceRead) {
      return replyError(connection, request, `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`);
    }

    const subscription: Subscription = {
      connection,
      topic: message.topic,
      subTopic,
      joinRef,
      isPrivate,
      broadcastSelf: broadcastConfig.self === true,
      broadcastAck: broadcastConfig.ack === true,
      presenceKey: typeof presenceConfig.key === "string" && presenceConfig.key.length > 0 ? presenceConfig.key : randomUUID(),
      presenceSynced: false,
      claims: verified.claims,
      policies,
      expiryTimer: undefined,
    };
    connection.channels.set(message.topic, subscription);
    const key = routeKey(isPrivate, subTopic);
    let subscribers = routes.get(key);
    if (!subscribers) {
      subscribers = new Set();
      routes.set(key, subscribers);
    }
    subscribers.add(subscription);
    scheduleExpiry(subscription);
    reply(connection, request, "ok", { postgres_changes: [] });
    if (presenceConfig.enabled === true) syncPresenceState(subscription);
  }

  async function refreshAccessToken(subscription: Subscription, payload: unknown): Promise<void> {
    const token = isObject(payload) ? payload.access_token : undefined;
    if (typeof token !== "string" || token.length === 0) return;
    const verified = await verifyChannelToken(token);
    if (subscription.connection.channels.get(subscription.topic) !== subscription) return;
    if ("error" in verified) {
      sendSystemError(subscription, verified.error);
      closeSubscription(subscription, true);
      return;
    }
    const policies = subscription.isPrivate ? await authorizeTopic(sql, subscription.subTopic, verified.claims) : ALL_ALLOWED;
    if (!policies.broadcastRead && !policies.presenceRead) {
      sendSystemError(subscription, `Unauthorized: You do not have permissions to read from this Channel topic: ${subscription.subTopic}`);
      closeSubscription(subscription, true);
      return;
    }
    subscription.claims = verified.claims;
    subscription.policies = policies;
    scheduleExpiry(subscription);
  }

  function pushBroadcast(subscription: Subscription, message: PhoenixMessage, broadcast: OutgoingBroadcast, payloadBytes: number): void {
    if (payloadBytes > limits.maxPayloadBytes) {
      return replyError(subscription.connection, message, `PayloadTooLarge: payload of ${payloadBytes} bytes exceeds the limit of ${limits.maxPayloadBytes}`);
    }
    if (!subscription.policies.broadcastWrite) {
      return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to write to this Channel topic: ${subscription.subTopic}`);
    }
    deliverBroadcast(subscription.isPrivate, subscription.subTopic, broadcast, subscription);
    if (subscription.broadcastAck) reply(subscription.connection, message, "ok", {});
  }

  function handlePresence(subscription: Subscription, message: PhoenixMessage, payloadBytes: number): void {
    const payload = isObject(message.payload) ? message.payload : {};
    if (payloadBytes > limits.maxPayloadBytes) {
      return replyError(subscription.connection, message, `PayloadTooLarge: payload of ${payloadBytes} bytes exceeds the limit of ${limits.maxPayloadBytes}`);
    }
    if (!subscription.policies.presenceWrite) {
      return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to track presence on this Channel topic: ${subscription.subTopic}`);
    }
    if (payload.event === "track") {
      track(subscription, isObject(payload.payload) ? payload.payload : {});
      return reply(subscription.connection, message, "ok", {});
    }
    if (payload.event === "untrack") {
      untrack(subscription);
      return reply(subscription.connection, message, "ok", {});
    }
    replyError(subscription.connection, message, `unknown presence event ${JSON.stringify(payload.event)}`);
  }

  async function handleMessage(connection: Connection, message: PhoenixMessage, frameBytes: number): Promise<void> {
    if (message.topic === "phoenix") {
      if (message.event === "heartbeat") return reply(connection, message, "ok", {});
      return replyError(connection, message, `unknown event ${message.event} on the phoenix topic`);
    }
    if (message.event === "phx_join") return join(connection, message);
    const subscription = connection.channels.get(message.topic);
    if (!subscription || (message.joinRef !== null && message.joinRef !== subscription.joinRef)) {
      return replyError(connection, message, "unmatched topic");
    }
    switch (message.event) {
      case "phx_leave":
        reply(connection, message, "ok", {});
        return closeSubscription(subscription, true);
      case "access_token":
        return refreshAccessToken(subscription, message.payload);
      case "broadcast": {
        const payload = isObject(message.payload) ? message.payload : {};
        if (typeof payload.event !== "string" || payload.event.length === 0) {
          return replyError(connection, message, "broadcast needs an event name");
        }
        return pushBroadcast(subscription, message, { userEvent: payload.event, id: randomUUID(), json: payload.payload ?? {}, binary: false }, frameBytes);
      }
      case "presence":
        return handlePresence(subscription, message, frameBytes);
      default:
        return replyError(connection, message, `unknown event ${message.event}`);
    }
  }

  function handleBinaryFrame(connection: Connection, frame: Buffer): void {
    const push = decodeBinaryPush(frame);
    const message: PhoenixMessage = { joinRef: push.joinRef, ref: push.ref, topic: push.topic, event: "broadcast", payload: {} };
    const subscription = connection.channels.get(push.topic);
    if (!subscription || (push.joinRef !== null && push.joinRef !== subscription.joinRef)) {
      return replyError(connection, message, "unmatched topic");
    }
    let json: unknown;
    if (push.encoding === "json") {
      try {
        json = JSON.parse(push.payloadBytes.toString("utf8"));
      } catch {
        return replyError(connection, message, "broadcast payload is not valid JSON");
      }
    }
    pushBroadcast(
      subscription,
      message,
      { userEvent: push.userEvent, id: randomUUID(), binary: true, ...(push.encoding === "json" ? { json } : { raw: Buffer.from(push.payloadBytes) }) },
      frame.length,
    );
  }

  /** Counts a client message; false when the connection is over its per-second budget. */
  function withinRateLimit(connection: Connection): boolean {
    const now = Date.now();
    if (now - connection.rateWindowStartedAt >= 1000) {
      connection.rateWindowStartedAt = now;
      connection.messagesInWindow = 0;
    }
    connection.messagesInWindow += 1;
    return connection.messagesInWindow <= limits.maxMessagesPerSecond;
  }

  function protocolError(connection: Connection, reason: string, partial?: { ref: string | null; topic: string }): void {
    send(connection, {
      joinRef: null,
      ref: partial?.ref ?? null,
      topic: partial?.topic ?? "phoenix",
      event: "phx_reply",
      payload: { status: "error", response: { reason } },
    });
  }

  function onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let work: () => Promise<void> | void;
    try {
      if (isBinary) {
        if (connection.version !== "2.0.0") throw new MalformedFrameError("binary frames need vsn 2.0.0");
        const push = decodeBinaryPush(frame);
        if (!withinRateLimit(connection)) {
          return replyError(connection, { joinRef: push.joinRef, ref: push.ref, topic: push.topic }, `RateLimitReached: more than ${limits.maxMessagesPerSecond} messages per second`);
        }
        work = () => handleBinaryFrame(connection, frame);
      } else {
        const message = decodeTextFrame(frame.toString("utf8"), connection.version);
        const isHeartbeat = message.topic === "phoenix" && message.event === "heartbeat";
        if (!isHeartbeat && !withinRateLimit(connection)) {
          return replyError(connection, message, `RateLimitReached: more than ${limits.maxMessagesPerSecond} messages per second`);
        }
        work = () => handleMessage(connection, message, frame.length);
      }
    } catch (error) {
      if (error instanceof MalformedFrameError) return protocolError(connection, `malformed message: ${error.message}`, error.partial);
      throw error;
    }
    connection.queue = connection.queue.then(work).catch((error: unknown) => {
      log(`[stand-in realtime] message handling failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      protocolError(connection, "internal error handling the message");
    });
  }

  function onConnection(socket: WebSocket, version: ProtocolVersion, apiKey: string): void {
    const connection: Connection = {
      socket,
      version,
      apiKey,
      channels: new Map(),
      rateWindowStartedAt: Date.now(),
      messagesInWindow: 0,
      queue: Promise.resolve(),
    };
    connections.add(connection);
    socket.on("message", (data, isBinary) => {
      try {
        onFrame(connection, data, isBinary);
      } catch (error) {
        log(`[stand-in realtime] frame rejected: ${error instanceof Error ? error.message : String(error)}`);
        protocolError(connection, "internal error handling the frame");
      }
    });
    socket.on("error", (error) => log(`[stand-in realtime] socket error: ${error.message}`));
    socket.on("close", () => {
      connections.delete(connection);
      for (const subscription of [...connection.channels.values()]) closeSubscription(subscription, false);
    });
  }

  // --- HTTP: upgrade and REST broadcast ------------------------------------------------

  function rejectUpgrade(socket: Duplex, status: number, error: string): void {
    const body = JSON.stringify({ error });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    socket.on("error", () => socket.destroy());
    if (!accepting) return rejectUpgrade(socket, 503, "Realtime is not running");
    const version = (url.searchParams.get("vsn") ?? "1.0.0") as ProtocolVersion;
    if (!SUPPORTED_VERSIONS.includes(version)) return rejectUpgrade(socket, 400, `unsupported vsn ${version}`);
    const apiKey = apiKeyOf(request, url);
    if (!apiKey) return rejectUpgrade(socket, 401, "apikey query parameter or x-api-key header is missing");
    try {
      await keys.verify(apiKey);
    } catch (error) {
      if (error instanceof JwtRejectedError) return rejectUpgrade(socket, 403, `Invalid API key: ${error.message}`);
      throw error;
    }
    if (!accepting) return rejectUpgrade(socket, 503, "Realtime is not running");
    webSockets.handleUpgrade(request, socket, head, (webSocket) => onConnection(webSocket, version, apiKey));
  }

  interface RestMessage {
    subTopic: string;
    userEvent: string;
    isPrivate: boolean;
    json?: unknown;
    raw?: Buffer;
  }

  async function claimsOfRestCaller(request: IncomingMessage, url: URL): Promise<{ claims: VerifiedClaims } | { status: number; message: string }> {
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

  /** Handles `/realtime/v1/api/broadcast[/<topic>/events/<event>]`. */
  async function handleRestBroadcast(request: IncomingMessage, response: ServerResponse, url: URL, subPath: string, headers: Record<string, string>): Promise<void> {
    const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(subPath);
    if (request.method !== "POST" || (subPath !== "/api/broadcast" && !single)) {
      return sendJson(response, 404, { message: "Not Found" }, headers);
    }
    const caller = await claimsOfRestCaller(request, url);
    if ("status" in caller) return sendJson(response, caller.status, { message: caller.message }, headers);
    let body: Buffer;
    try {
      body = await readBody(request, limits.maxPayloadBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(response, 413, { message: `Payload exceeds ${limits.maxPayloadBytes} bytes` }, headers);
      throw error;
    }

    let messages: RestMessage[];
    if (single) {
      const isPrivate = url.searchParams.get("private") === "true";
      const subTopic = decodeURIComponent(single[1]);
      const userEvent = decodeURIComponent(single[2]);
      const contentType = String(request.headers["content-type"] ?? "");
      if (contentType.startsWith("application/octet-stream")) {
        messages = [{ subTopic, userEvent, isPrivate, raw: body }];
      } else {
        try {
          messages = [{ subTopic, userEvent, isPrivate, json: JSON.parse(body.toString("utf8")) }];
        } catch {
          return sendJson(response, 422, { message: "body is not valid JSON" }, headers);
        }
      }
    } else {
      const parsed = parseBatch(body);
      if (typeof parsed === "string") return sendJson(response, 422, { message: parsed }, headers);
      messages = parsed;
    }

    const writable = new Map<string, boolean>();
    for (const message of messages) {
      if (message.isPrivate) {
        let allowed = writable.get(message.subTopic);
        if (allowed === undefined) {
          allowed = (await authorizeTopic(sql, message.subTopic, caller.claims)).broadcastWrite;
          writable.set(message.subTopic, allowed);
        }
        if (!allowed) {
          if (single) {
            return sendJson(response, 403, { message: `Unauthorized: You do not have permissions to write to this Channel topic: ${message.subTopic}` }, headers);
          }
          continue; // the batch endpoint, like hosted Realtime, drops what the caller may not send
        }
      }
      deliverBroadcast(message.isPrivate, message.subTopic, { userEvent: message.userEvent, id: randomUUID(), json: message.json, raw: message.raw, binary: false });
    }
    sendEmpty(response, 202, headers);
  }

  // --- database broadcasts -----------------------------------------------------------

  async function deliverStoredMessage(id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return;
    const [row] = await sql<{ topic: string; event: string | null; payload: unknown; private: boolean | null; extension: string }[]>`
      select topic, event, payload, private, extension from realtime.messages where id = ${id}`;
    if (!row || row.extension !== "broadcast") return;
    deliverBroadcast(row.private !== false, row.topic, { userEvent: row.event ?? "", id, json: row.payload ?? {}, binary: false });
  }

  async function listenForDatabaseBroadcasts(): Promise<void> {
    const subscription = await sql.listen("realtime_messages", (id) => {
      deliverStoredMessage(id).catch((error: unknown) => log(`[stand-in realtime] delivery of message ${id} failed: ${String(error)}`));
    });
    stopListening = () => subscription.unlisten();
  }

  function disconnectEveryone(): void {
    for (const connection of connections) {
      for (const subscription of [...connection.channels.values()]) closeSubscription(subscription, false);
      connection.socket.close(1012, "service restart");
      const { socket } = connection;
      setTimeout(() => socket.terminate(), 1000).unref();
    }
    connections.clear();
  }

  return {
    handleUpgrade,
    handleRestBroadcast,
    listenForDatabaseBroadcasts,
    connectionCount: () => connections.size,
    /** Drops every connection and refuses new ones until start(): clients see the outage and reconnect. */
    stop(): void {
      accepting = false;
      disconnectEveryone();
    },
    start(): void {
      accepting = true;
    },
    async close(): Promise<void> {
      accepting = false;
      disconnectEveryone();
      await stopListening?.();
      await new Promise<void>((resolve) => webSockets.close(() => resolve()));
    },
  };
}

export type RealtimeServer = ReturnType<typeof createRealtimeServer>;
