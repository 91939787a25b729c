// A channel's life on a connection: phx_join (token, limits, RLS on private topics), the
// token refreshes that may revoke it, its expiry with the token, and leaving.
import { randomUUID } from "node:crypto";
import type { Sql } from "postgres";
import { JwtRejectedError, type SigningKeys, type VerifiedClaims } from "../signing-keys.ts";
import type { ChannelRegistry } from "./channel-registry.ts";
import { isOpen, reply, replyError, send, sendSystemError, type Connection, type Subscription } from "./connection.ts";
import { isObject, type PhoenixMessage } from "./phoenix-frames.ts";
import type { Presence } from "./presence.ts";
import { ALL_ALLOWED, authorizeTopic, type TopicPolicies } from "./topic-authorization.ts";

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const TOPIC_PREFIX = "realtime:";

/** What a phx_join payload's `config` and `access_token` ask for. */
interface JoinConfig {
  isPrivate: boolean;
  broadcastSelf: boolean;
  broadcastAck: boolean;
  presenceKey: string | undefined;
  presenceEnabled: boolean;
  wantsPostgresChanges: boolean;
  accessToken: string | undefined;
}

function readJoinConfig(payload: unknown): JoinConfig {
  const fields = isObject(payload) ? payload : {};
  const config = isObject(fields.config) ? fields.config : {};
  const broadcast = isObject(config.broadcast) ? config.broadcast : {};
  const presence = isObject(config.presence) ? config.presence : {};
  return {
    isPrivate: config.private === true,
    broadcastSelf: broadcast.self === true,
    broadcastAck: broadcast.ack === true,
    presenceKey: typeof presence.key === "string" && presence.key.length > 0 ? presence.key : undefined,
    presenceEnabled: presence.enabled === true,
    wantsPostgresChanges: Array.isArray(config.postgres_changes) && config.postgres_changes.length > 0,
    accessToken: typeof fields.access_token === "string" && fields.access_token.length > 0 ? fields.access_token : undefined,
  };
}

// Longer than 60 lines only because it closes over the functions below, each short, so they share
// these dependencies without passing them on every call.
export function createChannelLifecycle(options: {
  sql: Sql;
  keys: SigningKeys;
  maxChannelsPerConnection: number;
  registry: ChannelRegistry;
  presence: Presence;
}) {
  const { sql, keys, maxChannelsPerConnection, registry, presence } = options;

  function closeSubscription(subscription: Subscription, notifyClient: boolean): void {
    registry.unregister(subscription);
    clearTimeout(subscription.expiryTimer);
    presence.untrack(subscription);
    if (notifyClient) {
      send(subscription.connection, { joinRef: subscription.joinRef, ref: subscription.joinRef, topic: subscription.topic, event: "phx_close", payload: {} });
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

  async function policiesFor(isPrivate: boolean, subTopic: string, claims: VerifiedClaims): Promise<TopicPolicies> {
    return isPrivate ? authorizeTopic(sql, subTopic, claims) : ALL_ALLOWED;
  }

  async function join(connection: Connection, message: PhoenixMessage): Promise<void> {
    if (!message.topic.startsWith(TOPIC_PREFIX)) return replyError(connection, message, "unmatched topic");
    const joinRef = message.joinRef ?? message.ref;
    if (joinRef === null) return replyError(connection, message, "phx_join needs a join_ref");
    const request = { joinRef, ref: message.ref, topic: message.topic };
    const subTopic = message.topic.slice(TOPIC_PREFIX.length);
    const config = readJoinConfig(message.payload);

    const existing = connection.channels.get(message.topic);
    // Phoenix closes the previous channel when a topic is joined again on the same socket.
    if (existing) closeSubscription(existing, true);
    if (connection.channels.size >= maxChannelsPerConnection) {
      return replyError(connection, request, `ChannelRateLimitReached: Too many channels (limit ${maxChannelsPerConnection} per connection)`);
    }
    if (config.wantsPostgresChanges) {
      return replyError(connection, request, "postgres_changes is not supported by the local stand-in; use broadcast");
    }
    const verified = await verifyChannelToken(config.accessToken ?? connection.apiKey);
    if ("error" in verified) return replyError(connection, request, verified.error);
    const policies = await policiesFor(config.isPrivate, subTopic, verified.claims);
    if (!isOpen(connection)) return;
    if (!policies.broadcastRead && !policies.presenceRead) {
      return replyError(connection, request, `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`);
    }

    const subscription: Subscription = {
      connection,
      topic: message.topic,
      subTopic,
      joinRef,
      isPrivate: config.isPrivate,
      broadcastSelf: config.broadcastSelf,
      broadcastAck: config.broadcastAck,
      presenceKey: config.presenceKey ?? randomUUID(),
      presenceSynced: false,
      claims: verified.claims,
      policies,
      expiryTimer: undefined,
    };
    registry.register(subscription);
    scheduleExpiry(subscription);
    reply(connection, request, "ok", { postgres_changes: [] });
    if (config.presenceEnabled) presence.syncPresenceState(subscription);
  }

  /** An access_token push: new claims and policies, or the channel closes if they no longer allow reading. */
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
    const policies = await policiesFor(subscription.isPrivate, subscription.subTopic, verified.claims);
    if (!policies.broadcastRead && !policies.presenceRead) {
      sendSystemError(subscription, `Unauthorized: You do not have permissions to read from this Channel topic: ${subscription.subTopic}`);
      closeSubscription(subscription, true);
      return;
    }
    subscription.claims = verified.claims;
    subscription.policies = policies;
    scheduleExpiry(subscription);
  }

  return { join, refreshAccessToken, closeSubscription };
}

export type ChannelLifecycle = ReturnType<typeof createChannelLifecycle>;
