// A client's WebSocket, the channels it joined, and the frames sent back to it.
import { WebSocket } from "ws";
import type { VerifiedClaims } from "../signing-keys.ts";
import { encodeTextFrame, type PhoenixMessage, type ProtocolVersion } from "./phoenix-frames.ts";
import type { TopicPolicies } from "./topic-authorization.ts";

/** One joined channel on one connection. */
export interface Subscription {
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

export interface Connection {
  socket: WebSocket;
  version: ProtocolVersion;
  apiKey: string;
  channels: Map<string, Subscription>;
  rateWindowStartedAt: number;
  messagesInWindow: number;
  /** Messages are handled one after another so a connection's pushes keep their order. */
  queue: Promise<void>;
}

/** What a reply is addressed to: the refs and topic of the client's message. */
export interface ReplyTarget {
  joinRef: string | null;
  ref: string | null;
  topic: string;
}

const SLOW_CONSUMER_BUFFER_BYTES = 16 * 1024 * 1024;

export function isOpen(connection: Connection): boolean {
  return connection.socket.readyState === WebSocket.OPEN;
}

export function send(connection: Connection, message: PhoenixMessage): void {
  if (!isOpen(connection)) return;
  if (connection.socket.bufferedAmount > SLOW_CONSUMER_BUFFER_BYTES) {
    // A client that stopped reading would otherwise grow our memory without bound.
    connection.socket.terminate();
    return;
  }
  connection.socket.send(encodeTextFrame(message, connection.version));
}

export function reply(connection: Connection, request: ReplyTarget, status: "ok" | "error", response: Record<string, unknown>): void {
  if (request.ref === null) return;
  send(connection, { joinRef: request.joinRef, ref: request.ref, topic: request.topic, event: "phx_reply", payload: { status, response } });
}

export function replyError(connection: Connection, request: ReplyTarget, reason: string): void {
  reply(connection, request, "error", { reason });
}

/** A reply to a frame that could not be read, addressed as far as the frame allowed. */
export function protocolError(connection: Connection, reason: string, partial?: { ref: string | null; topic: string }): void {
  send(connection, {
    joinRef: null,
    ref: partial?.ref ?? null,
    topic: partial?.topic ?? "phoenix",
    event: "phx_reply",
    payload: { status: "error", response: { reason } },
  });
}

export function sendSystemError(subscription: Subscription, message: string): void {
  send(subscription.connection, {
    joinRef: subscription.joinRef,
    ref: null,
    topic: subscription.topic,
    event: "system",
    payload: { message, status: "error", extension: "system", channel: subscription.subTopic },
  });
}
