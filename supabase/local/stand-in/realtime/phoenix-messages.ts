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

// Longer than 60 lines only because it closes over the functions below, each short, so they share
// these dependencies without passing them on every call.
export function createPhoenixMessageHandler(options: {
  limits: MessageLimits;
  registry: ChannelRegistry;
  presence: Presence;
  lifecycle: ChannelLifecycle;
  log: (line: string) => void;
}) {
  const { limits, registry, presence, lifecycle, log } = options;

  function payloadTooLarge(payloadBytes: number): string {
    return `PayloadTooLarge: payload of ${payloadBytes} bytes exceeds the limit of ${limits.maxPayloadBytes}`;
  }

  function pushBroadcast(subscription: Subscription, message: PhoenixMessage, broadcast: OutgoingBroadcast, payloadBytes: number): void {
    if (payloadBytes > limits.maxPayloadBytes) return replyError(subscription.connection, message, payloadTooLarge(payloadBytes));
    if (!subscription.policies.broadcastWrite) {
      return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to write to this Channel topic: ${subscription.subTopic}`);
    }
    registry.deliverBroadcast(subscription.isPrivate, subscription.subTopic, broadcast, subscription);
    if (subscription.broadcastAck) reply(subscription.connection, message, "ok", {});
  }

  function handleTextBroadcast(subscription: Subscription, message: PhoenixMessage, payloadBytes: number): void {
    const payload = isObject(message.payload) ? message.payload : {};
    if (typeof payload.event !== "string" || payload.event.length === 0) {
      return replyError(subscription.connection, message, "broadcast needs an event name");
    }
    pushBroadcast(subscription, message, { userEvent: payload.event, id: randomUUID(), json: payload.payload ?? {}, binary: false }, payloadBytes);
  }

  function handlePresence(subscription: Subscription, message: PhoenixMessage, payloadBytes: number): void {
    const payload = isObject(message.payload) ? message.payload : {};
    if (payloadBytes > limits.maxPayloadBytes) return replyError(subscription.connection, message, payloadTooLarge(payloadBytes));
    if (!subscription.policies.presenceWrite) {
      return replyError(subscription.connection, message, `Unauthorized: You do not have permissions to track presence on this Channel topic: ${subscription.subTopic}`);
    }
    if (payload.event === "track") {
      presence.track(subscription, isObject(payload.payload) ? payload.payload : {});
      return reply(subscription.connection, message, "ok", {});
    }
    if (payload.event === "untrack") {
      presence.untrack(subscription);
      return reply(subscription.connection, message, "ok", {});
    }
    replyError(subscription.connection, message, `unknown presence event ${JSON.stringify(payload.event)}`);
  }

  /** The channel a message is for, if joined on this connection under the message's join_ref. */
  function joinedChannel(connection: Connection, topic: string, joinRef: string | null): Subscription | undefined {
    const subscription = connection.channels.get(topic);
    if (!subscription || (joinRef !== null && joinRef !== subscription.joinRef)) return undefined;
    return subscription;
  }

  async function handleMessage(connection: Connection, message: PhoenixMessage, frameBytes: number): Promise<void> {
    if (message.topic === "phoenix") {
      if (message.event === "heartbeat") return reply(connection, message, "ok", {});
      return replyError(connection, message, `unknown event ${message.event} on the phoenix topic`);
    }
    if (message.event === "phx_join") return lifecycle.join(connection, message);
    const subscription = joinedChannel(connection, message.topic, message.joinRef);
    if (!subscription) return replyError(connection, message, "unmatched topic");
    switch (message.event) {
      case "phx_leave":
        reply(connection, message, "ok", {});
        return lifecycle.closeSubscription(subscription, true);
      case "access_token":
        return lifecycle.refreshAccessToken(subscription, message.payload);
      case "broadcast":
        return handleTextBroadcast(subscription, message, frameBytes);
      case "presence":
        return handlePresence(subscription, message, frameBytes);
      default:
        return replyError(connection, message, `unknown event ${message.event}`);
    }
  }

  function handleBinaryFrame(connection: Connection, frame: Buffer): void {
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

  /**
   * Decodes and rate-limits a frame now, and queues its handling behind the connection's
   * earlier messages; undefined when the frame was answered (or refused) already.
   */
  function admitFrame(connection: Connection, frame: Buffer, isBinary: boolean): (() => Promise<void> | void) | undefined {
    const rateLimited = `RateLimitReached: more than ${limits.maxMessagesPerSecond} messages per second`;
    if (isBinary) {
      if (connection.version !== "2.0.0") throw new MalformedFrameError("binary frames need vsn 2.0.0");
      const push = decodeBinaryPush(frame);
      if (!withinRateLimit(connection)) {
        replyError(connection, { joinRef: push.joinRef, ref: push.ref, topic: push.topic }, rateLimited);
        return undefined;
      }
      return () => handleBinaryFrame(connection, frame);
    }
    const message = decodeTextFrame(frame.toString("utf8"), connection.version);
    const isHeartbeat = message.topic === "phoenix" && message.event === "heartbeat";
    if (!isHeartbeat && !withinRateLimit(connection)) {
      replyError(connection, message, rateLimited);
      return undefined;
    }
    return () => handleMessage(connection, message, frame.length);
  }

  function onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let work: (() => Promise<void> | void) | undefined;
    try {
      work = admitFrame(connection, frame, isBinary);
    } catch (error) {
      if (error instanceof MalformedFrameError) return protocolError(connection, `malformed message: ${error.message}`, error.partial);
      throw error;
    }
    if (!work) return;
    connection.queue = connection.queue.then(work).catch((error: unknown) => {
      log(`[stand-in realtime] message handling failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      protocolError(connection, "internal error handling the message");
    });
  }

  return { onFrame };
}
