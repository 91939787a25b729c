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

// Longer than 60 lines only because it closes over the functions below, each short, so they share
// these dependencies without passing them on every call.
export function createPresence(registry: ChannelRegistry) {
  /** Per route, the tracked entries under each presence key. */
  const presence = new Map<string, Map<string, PresenceEntry[]>>();
  let presenceRefCounter = 0;

  function presenceOf(subscription: Subscription): Map<string, PresenceEntry[]> {
    const key = routeKey(subscription.isPrivate, subscription.subTopic);
    let state = presence.get(key);
    if (!state) {
      state = new Map();
      presence.set(key, state);
    }
    return state;
  }

  /** Sends presence_state once, if the subscription may read presence. */
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

  function broadcastPresenceDiff(origin: Subscription, diff: PresenceDiff): void {
    for (const subscription of registry.subscribersOf(origin.isPrivate, origin.subTopic)) {
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

  return { syncPresenceState, track, untrack };
}

export type Presence = ReturnType<typeof createPresence>;

function presenceSnapshot(state: Map<string, PresenceEntry[]>): PresenceSnapshot {
  const snapshot: PresenceSnapshot = {};
  for (const [key, entries] of state) snapshot[key] = { metas: entries.map((entry) => entry.meta) };
  return snapshot;
}
