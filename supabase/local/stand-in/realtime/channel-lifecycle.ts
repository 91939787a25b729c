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

/** What a channel's life needs: keys and the database to admit it, the registry and presence it joins. */
interface LifecycleContext {
  sql: Sql;
  keys: SigningKeys;
  maxChannelsPerConnection: number;
  registry: ChannelRegistry;
  presence: Presence;
}

export function createChannelLifecycle(context: LifecycleContext) {
  return {
    join: (connection: Connection, message: PhoenixMessage) => join(context, connection, message),
    refreshAccessToken: (subscription: Subscription, payload: unknown) => refreshAccessToken(context, subscription, payload),
    closeSubscription: (subscription: Subscription, notifyClient: boolean) => closeSubscription(context, subscription, notifyClient),
  };
}

export type ChannelLifecycle = ReturnType<typeof createChannelLifecycle>;

async function join(context: LifecycleContext, connection: Connection, message: PhoenixMessage): Promise<void> {
  if (!message.topic.startsWith(TOPIC_PREFIX)) return replyError(connection, message, "unmatched topic");
  const joinRef = message.joinRef ?? message.ref;
  if (joinRef === null) return replyError(connection, message, "phx_join needs a join_ref");
  const request = { joinRef, ref: message.ref, topic: message.topic };
  const subTopic = message.topic.slice(TOPIC_PREFIX.length);
  const config = readJoinConfig(message.payload);

  const existing = connection.channels.get(message.topic);
  // Phoenix closes the previous channel when a topic is joined again on the same socket.
  if (existing) closeSubscription(context, existing, true);
  const refusal = refusalBeforeAuthorization(context, connection, config);
  if (refusal) return replyError(connection, request, refusal);
  const verified = await verifyChannelToken(context.keys, config.accessToken ?? connection.apiKey);
  if ("error" in verified) return replyError(connection, request, verified.error);
  const policies = await policiesFor(context.sql, config.isPrivate, subTopic, verified.claims);
  // The client may have gone while the database decided.
  if (!isOpen(connection)) return;
  if (!mayRead(policies)) return replyError(connection, request, readRefusal(subTopic));

  const subscription = newSubscription(connection, { joinRef, topic: message.topic, subTopic }, config, verified.claims, policies);
  context.registry.register(subscription);
  scheduleExpiry(context, subscription);
  reply(connection, request, "ok", { postgres_changes: [] });
  if (config.presenceEnabled) context.presence.syncPresenceState(subscription);
}

/** What refuses a join whatever the token: the connection's channel limit, and postgres_changes. */
function refusalBeforeAuthorization(context: LifecycleContext, connection: Connection, config: JoinConfig): string | undefined {
  if (connection.channels.size >= context.maxChannelsPerConnection) {
    return `ChannelRateLimitReached: Too many channels (limit ${context.maxChannelsPerConnection} per connection)`;
  }
  if (config.wantsPostgresChanges) return "postgres_changes is not supported by the local stand-in; use broadcast";
  return undefined;
}

function newSubscription(
  connection: Connection,
  channel: { joinRef: string; topic: string; subTopic: string },
  config: JoinConfig,
  claims: VerifiedClaims,
  policies: TopicPolicies,
): Subscription {
  return {
    connection,
    ...channel,
    isPrivate: config.isPrivate,
    broadcastSelf: config.broadcastSelf,
    broadcastAck: config.broadcastAck,
    presenceKey: config.presenceKey ?? randomUUID(),
    presenceSynced: false,
    claims,
    policies,
    expiryTimer: undefined,
  };
}

/** An access_token push: new claims and policies, or the channel closes if they no longer allow reading. */
async function refreshAccessToken(context: LifecycleContext, subscription: Subscription, payload: unknown): Promise<void> {
  const token = isObject(payload) ? payload.access_token : undefined;
  if (typeof token !== "string" || token.length === 0) return;
  const verified = await verifyChannelToken(context.keys, token);
  // Left or replaced while the token was checked: this subscription is no longer the client's.
  if (!isCurrent(subscription)) return;
  if ("error" in verified) return closeWithSystemError(context, subscription, verified.error);
  const policies = await policiesFor(context.sql, subscription.isPrivate, subscription.subTopic, verified.claims);
  if (!mayRead(policies)) return closeWithSystemError(context, subscription, readRefusal(subscription.subTopic));
  subscription.claims = verified.claims;
  subscription.policies = policies;
  scheduleExpiry(context, subscription);
}

function closeSubscription(context: LifecycleContext, subscription: Subscription, notifyClient: boolean): void {
  context.registry.unregister(subscription);
  clearTimeout(subscription.expiryTimer);
  context.presence.untrack(subscription);
  if (notifyClient) {
    send(subscription.connection, { joinRef: subscription.joinRef, ref: subscription.joinRef, topic: subscription.topic, event: "phx_close", payload: {} });
  }
}

/** The client hears why first (a `system` message), then phx_close. */
function closeWithSystemError(context: LifecycleContext, subscription: Subscription, message: string): void {
  sendSystemError(subscription, message);
  closeSubscription(context, subscription, true);
}

/** Closes the channel when its token expires, as hosted Realtime does. */
function scheduleExpiry(context: LifecycleContext, subscription: Subscription): void {
  clearTimeout(subscription.expiryTimer);
  const exp = subscription.claims.exp;
  if (typeof exp !== "number") return;
  const delay = exp * 1000 - Date.now();
  if (delay > MAX_TIMER_DELAY_MS) return; // API keys live for years; nothing to schedule.
  subscription.expiryTimer = setTimeout(() => {
    if (!isCurrent(subscription)) return;
    closeWithSystemError(context, subscription, "Token has expired 0 seconds ago");
  }, Math.max(0, delay));
  subscription.expiryTimer.unref();
}

function isCurrent(subscription: Subscription): boolean {
  return subscription.connection.channels.get(subscription.topic) === subscription;
}

async function verifyChannelToken(keys: SigningKeys, token: string): Promise<{ claims: VerifiedClaims } | { error: string }> {
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

/** Public topics are open to every valid token; private ones ask the RLS policies. */
async function policiesFor(sql: Sql, isPrivate: boolean, subTopic: string, claims: VerifiedClaims): Promise<TopicPolicies> {
  return isPrivate ? authorizeTopic(sql, subTopic, claims) : ALL_ALLOWED;
}

/** Reading either extension is enough to hold the channel. */
function mayRead(policies: TopicPolicies): boolean {
  return policies.broadcastRead || policies.presenceRead;
}

function readRefusal(subTopic: string): string {
  return `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`;
}
