// Presence for the stand-in: who tracks what on each channel, the presence_state snapshot a
// joining client receives, and the presence_diff every synced subscriber receives.
import { send, type Subscription } from "./connection.ts";
import { routeKey, type ChannelRegistry } from "./channel-registry.ts";

interface PresenceEntry {
  subscription: Subscription;
  meta: Record<string, unknown> & { phx_ref: string };
}

type PresenceDiff = { joins: Record<string, unknown>; leaves: Record<string, unknown> };
type PresenceSnapshot = Record<string, { metas: Record<string, unknown>[] }>;

/** The server's presence: the functions below read and change it, the factory binds them to it. */
interface PresenceState {
  registry: ChannelRegistry;
  /** Per route, the tracked entries under each presence key. */
  routes: Map<string, Map<string, PresenceEntry[]>>;
  /** Makes each phx_ref unique even when two tracks land in the same millisecond. */
  refsIssued: number;
}

export function createPresence(registry: ChannelRegistry) {
  const state: PresenceState = { registry, routes: new Map(), refsIssued: 0 };
  return {
    syncPresenceState: (subscription: Subscription) => syncPresenceState(state, subscription),
    track: (subscription: Subscription, meta: Record<string, unknown>) => track(state, subscription, meta),
    untrack: (subscription: Subscription) => untrack(state, subscription),
  };
}

export type Presence = ReturnType<typeof createPresence>;

function presenceOf(state: PresenceState, subscription: Subscription): Map<string, PresenceEntry[]> {
  const key = routeKey(subscription.isPrivate, subscription.subTopic);
  let route = state.routes.get(key);
  if (!route) {
    route = new Map();
    state.routes.set(key, route);
  }
  return route;
}

/** Sends presence_state once, if the subscription may read presence. */
function syncPresenceState(state: PresenceState, subscription: Subscription): void {
  if (subscription.presenceSynced || !subscription.policies.presenceRead) return;
  subscription.presenceSynced = true;
  send(subscription.connection, {
    joinRef: subscription.joinRef,
    ref: null,
    topic: subscription.topic,
    event: "presence_state",
    payload: presenceSnapshot(presenceOf(state, subscription)),
  });
}

/** Only to subscribers that had presence_state: the client ignores a diff until then. */
function broadcastPresenceDiff(state: PresenceState, origin: Subscription, diff: PresenceDiff): void {
  for (const subscription of state.registry.subscribersOf(origin.isPrivate, origin.subTopic)) {
    if (!subscription.presenceSynced) continue;
    send(subscription.connection, { joinRef: null, ref: null, topic: subscription.topic, event: "presence_diff", payload: diff });
  }
}

function untrack(state: PresenceState, subscription: Subscription): void {
  const route = presenceOf(state, subscription);
  const entries = route.get(subscription.presenceKey);
  const own = entries?.find((entry) => entry.subscription === subscription);
  if (!entries || !own) return;
  const remaining = entries.filter((entry) => entry !== own);
  if (remaining.length > 0) route.set(subscription.presenceKey, remaining);
  else route.delete(subscription.presenceKey);
  if (route.size === 0) state.routes.delete(routeKey(subscription.isPrivate, subscription.subTopic));
  broadcastPresenceDiff(state, subscription, { joins: {}, leaves: { [subscription.presenceKey]: { metas: [own.meta] } } });
}

/** A second track replaces the first: the diff leaves the old meta and joins the new one. */
function track(state: PresenceState, subscription: Subscription, meta: Record<string, unknown>): void {
  syncPresenceState(state, subscription);
  const route = presenceOf(state, subscription);
  const entries = route.get(subscription.presenceKey) ?? [];
  const previous = entries.find((entry) => entry.subscription === subscription);
  const nextMeta = {
    ...meta,
    phx_ref: `${Date.now().toString(36)}-${++state.refsIssued}`,
    ...(previous ? { phx_ref_prev: previous.meta.phx_ref } : {}),
  };
  const next: PresenceEntry = { subscription, meta: nextMeta };
  route.set(subscription.presenceKey, previous ? entries.map((entry) => (entry === previous ? next : entry)) : [...entries, next]);
  broadcastPresenceDiff(state, subscription, {
    joins: { [subscription.presenceKey]: { metas: [nextMeta] } },
    leaves: previous ? { [subscription.presenceKey]: { metas: [previous.meta] } } : {},
  });
}

function presenceSnapshot(route: Map<string, PresenceEntry[]>): PresenceSnapshot {
  const snapshot: PresenceSnapshot = {};
  for (const [key, entries] of route) snapshot[key] = { metas: entries.map((entry) => entry.meta) };
  return snapshot;
}
