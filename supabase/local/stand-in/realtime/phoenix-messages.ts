// What a client's frames ask for: heartbeats, joins and leaves, token refreshes, broadcast
// pushes (text or vsn 2.0.0 binary) and presence, each within the connection's limits.
import { randomUUID } from "node:crypto";
import type { RawData } from "ws";
import type { ChannelLifecycle } from "./channel-lifecycle.ts";
import type { ChannelRegistry, OutgoingBroadcast } from "./channel-registry.ts";
import { protocolError, reply, replyError, type Connection, type Subscription } from "./connection.ts";
import { decodeBinaryPush, decodeTextFrame, isObject, MalformedFrameError, type PhoenixMessage } from "./phoenix-frames.ts";
import type { Presence } from "./presence.ts";

export interface MessageLimits {
  maxMessagesPerSecond: number;
  maxPayloadBytes: number;
}

/** What handling a client's messages needs; the functions below take it rather than closing over it. */
interface MessageContext {
  limits: MessageLimits;
  registry: ChannelRegistry;
  presence: Presence;
  lifecycle: ChannelLifecycle;
  log: (line: string) => void;
}

export function createPhoenixMessageHandler(context: MessageContext) {
  return { onFrame: (connection: Connection, data: RawData, isBinary: boolean) => onFrame(context, connection, data, isBinary) };
}

export type PhoenixMessageHandler = ReturnType<typeof createPhoenixMessageHandler>;

/** An event on a joined channel; `frameBytes` is the size of the frame that carried it. */
type ChannelEventHandler = (context: MessageContext, subscription: Subscription, message: PhoenixMessage, frameBytes: number) => Promise<void> | void;

/** The events of the `phoenix` topic, which is no channel: no join, no subscription. */
const PHOENIX_TOPIC_EVENTS = new Map<string, (connection: Connection, message: PhoenixMessage) => void>([["heartbeat", handleHeartbeat]]);

/** The events a client sends on a channel it joined (phx_join comes before there is one). */
const CHANNEL_EVENTS = new Map<string, ChannelEventHandler>([
  ["phx_leave", handleLeave],
  ["access_token", handleAccessToken],
  ["broadcast", handleTextBroadcast],
  ["presence", handlePresence],
]);

async function handleMessage(context: MessageContext, connection: Connection, message: PhoenixMessage, frameBytes: number): Promise<void> {
  if (message.topic === "phoenix") {
    const handler = PHOENIX_TOPIC_EVENTS.get(message.event);
    if (!handler) return replyError(connection, message, `unknown event ${message.event} on the phoenix topic`);
    return handler(connection, message);
  }
  if (message.event === "phx_join") return handleJoin(context, connection, message);
  const subscription = joinedChannel(connection, message.topic, message.joinRef);
  if (!subscription) return replyError(connection, message, "unmatched topic");
  const handler = CHANNEL_EVENTS.get(message.event);
  if (!handler) return replyError(connection, message, `unknown event ${message.event}`);
  return handler(context, subscription, message, frameBytes);
}

/** The client reconnects when a heartbeat goes unanswered until its next one. */
function handleHeartbeat(connection: Connection, message: PhoenixMessage): void {
  reply(connection, message, "ok", {});
}

function handleJoin(context: MessageContext, connection: Connection, message: PhoenixMessage): Promise<void> {
  return context.lifecycle.join(connection, message);
}

function handleLeave(context: MessageContext, subscription: Subscription, message: PhoenixMessage): void {
  reply(subscription.connection, message, "ok", {});
  context.lifecycle.closeSubscription(subscription, true);
}

function handleAccessToken(context: MessageContext, subscription: Subscription, message: PhoenixMessage): Promise<void> {
  return context.lifecycle.refreshAccessToken(subscription, message.payload);
}

function handleTextBroadcast(context: MessageContext, subscription: Subscription, message: PhoenixMessage, frameBytes: number): void {
  const payload = isObject(message.payload) ? message.payload : {};
  if (typeof payload.event !== "string" || payload.event.length === 0) {
    return replyError(subscription.connection, message, "broadcast needs an event name");
  }
  pushBroadcast(context, subscription, message, { userEvent: payload.event, id: randomUUID(), json: payload.payload ?? {}, binary: false }, frameBytes);
}

function handlePresence(context: MessageContext, subscription: Subscription, message: PhoenixMessage, frameBytes: number): void {
  const payload = isObject(message.payload) ? message.payload : {};
  if (frameBytes > context.limits.maxPayloadBytes) return replyError(subscription.connection, message, payloadTooLarge(context, frameBytes));
  if (!subscription.policies.presenceWrite) {
    return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to track presence on this Channel topic: ${subscription.subTopic}`);
  }
  if (payload.event === "track") {
    context.presence.track(subscription, isObject(payload.payload) ? payload.payload : {});
    return reply(subscription.connection, message, "ok", {});
  }
  if (payload.event === "untrack") {
    context.presence.untrack(subscription);
    return reply(subscription.connection, message, "ok", {});
  }
  replyError(subscription.connection, message, `unknown presence event ${JSON.stringify(payload.event)}`);
}

/** A vsn 2.0.0 binary push (kind 3): a broadcast whose payload is JSON or raw bytes. */
function handleBinaryFrame(context: MessageContext, connection: Connection, frame: Buffer): void {
  const push = decodeBinaryPush(frame);
  const message: PhoenixMessage = { joinRef: push.joinRef, ref: push.ref, topic: push.topic, event: "broadcast", payload: {} };
  const subscription = joinedChannel(connection, push.topic, push.joinRef);
  if (!subscription) return replyError(connection, message, "unmatched topic");
  let json: unknown;
  if (push.encoding === "json") {
    try {
      json = JSON.parse(push.payloadBytes.toString("utf8"));
    } catch {
      return replyError(connection, message, "broadcast payload is not valid JSON");
    }
  }
  pushBroadcast(
    context,
    subscription,
    message,
    { userEvent: push.userEvent, id: randomUUID(), binary: true, ...(push.encoding === "json" ? { json } : { raw: Buffer.from(push.payloadBytes) }) },
    frame.length,
  );
}

/** A client's broadcast, text or binary: within the size limit and the topic's write policy. */
function pushBroadcast(context: MessageContext, subscription: Subscription, message: PhoenixMessage, broadcast: OutgoingBroadcast, payloadBytes: number): void {
  if (payloadBytes > context.limits.maxPayloadBytes) return replyError(subscription.connection, message, payloadTooLarge(context, payloadBytes));
  if (!subscription.policies.broadcastWrite) {
    return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to write to this Channel topic: ${subscription.subTopic}`);
  }
  context.registry.deliverBroadcast(subscription.isPrivate, subscription.subTopic, broadcast, subscription);
  if (subscription.broadcastAck) reply(subscription.connection, message, "ok", {});
}

function payloadTooLarge(context: MessageContext, payloadBytes: number): string {
  return `PayloadTooLarge: payload of ${payloadBytes} bytes exceeds the limit of ${context.limits.maxPayloadBytes}`;
}

/** The channel a message is for, if joined on this connection under the message's join_ref. */
function joinedChannel(connection: Connection, topic: string, joinRef: string | null): Subscription | undefined {
  const subscription = connection.channels.get(topic);
  if (!subscription || (joinRef !== null && joinRef !== subscription.joinRef)) return undefined;
  return subscription;
}

/** Counts a client message; false when the connection is over its per-second budget. */
function withinRateLimit(context: MessageContext, connection: Connection): boolean {
  const now = Date.now();
  if (now - connection.rateWindowStartedAt >= 1000) {
    connection.rateWindowStartedAt = now;
    connection.messagesInWindow = 0;
  }
  connection.messagesInWindow += 1;
  return connection.messagesInWindow <= context.limits.maxMessagesPerSecond;
}

function rateLimitReached(context: MessageContext): string {
  return `RateLimitReached: more than ${context.limits.maxMessagesPerSecond} messages per second`;
}

type QueuedWork = () => Promise<void> | void;

/**
 * Decodes and rate-limits a frame now, and returns its handling to queue behind the
 * connection's earlier messages; undefined when the frame was answered (or refused) already.
 */
function admitFrame(context: MessageContext, connection: Connection, frame: Buffer, isBinary: boolean): QueuedWork | undefined {
  return isBinary ? admitBinaryFrame(context, connection, frame) : admitTextFrame(context, connection, frame);
}

function admitBinaryFrame(context: MessageContext, connection: Connection, frame: Buffer): QueuedWork | undefined {
  if (connection.version !== "2.0.0") throw new MalformedFrameError("binary frames need vsn 2.0.0");
  const push = decodeBinaryPush(frame);
  if (!withinRateLimit(context, connection)) {
    replyError(connection, { joinRef: push.joinRef, ref: push.ref, topic: push.topic }, rateLimitReached(context));
    return undefined;
  }
  return () => handleBinaryFrame(context, connection, frame);
}

function admitTextFrame(context: MessageContext, connection: Connection, frame: Buffer): QueuedWork | undefined {
  const message = decodeTextFrame(frame.toString("utf8"), connection.version);
  // Heartbeats are exempt: refusing one would make the client drop a busy connection.
  const isHeartbeat = message.topic === "phoenix" && message.event === "heartbeat";
  if (!isHeartbeat && !withinRateLimit(context, connection)) {
    replyError(connection, message, rateLimitReached(context));
    return undefined;
  }
  return () => handleMessage(context, connection, message, frame.length);
}

function onFrame(context: MessageContext, connection: Connection, data: RawData, isBinary: boolean): void {
  const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  let work: QueuedWork | undefined;
  try {
    work = admitFrame(context, connection, frame, isBinary);
  } catch (error) {
    if (error instanceof MalformedFrameError) return protocolError(connection, `malformed message: ${error.message}`, error.partial);
    throw error;
  }
  if (!work) return;
  connection.queue = connection.queue.then(work).catch((error: unknown) => {
    context.log(`[stand-in realtime] message handling failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    protocolError(connection, "internal error handling the message");
  });
}
