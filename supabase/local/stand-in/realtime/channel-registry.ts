// Which subscriptions listen on which topic, and the fan-out of a broadcast to them. Public
// and private channels of the same name are separate routes, as on hosted Realtime.
import { encodeBinaryBroadcast } from "./phoenix-frames.ts";
import { isOpen, send, type Connection, type Subscription } from "./connection.ts";

export interface OutgoingBroadcast {
  userEvent: string;
  id: string;
  /** JSON payload, or the raw bytes of a binary (encoding 0) payload. */
  json?: unknown;
  raw?: Buffer;
  /** Pushed by a vsn 2.0.0 client as a binary frame: answer vsn 2.0.0 listeners in kind. */
  binary: boolean;
}

export const routeKey = (isPrivate: boolean, subTopic: string) => `${isPrivate ? "private" : "public"}:${subTopic}`;

export function createChannelRegistry() {
  const connections = new Set<Connection>();
  const routes = new Map<string, Set<Subscription>>();

  function subscribersOf(isPrivate: boolean, subTopic: string): ReadonlySet<Subscription> {
    return routes.get(routeKey(isPrivate, subTopic)) ?? new Set();
  }

  function register(subscription: Subscription): void {
    subscription.connection.channels.set(subscription.topic, subscription);
    const key = routeKey(subscription.isPrivate, subscription.subTopic);
    let subscribers = routes.get(key);
    if (!subscribers) {
      subscribers = new Set();
      routes.set(key, subscribers);
    }
    subscribers.add(subscription);
  }

  function unregister(subscription: Subscription): void {
    const { connection } = subscription;
    if (connection.channels.get(subscription.topic) === subscription) connection.channels.delete(subscription.topic);
    const key = routeKey(subscription.isPrivate, subscription.subTopic);
    const subscribers = routes.get(key);
    if (subscribers?.delete(subscription) && subscribers.size === 0) routes.delete(key);
  }

  /** Sends a broadcast to every reader of the topic; the sender hears itself only with `self`. */
  function deliverBroadcast(isPrivate: boolean, subTopic: string, broadcast: OutgoingBroadcast, sender?: Subscription): void {
    for (const subscription of subscribersOf(isPrivate, subTopic)) {
      if (subscription === sender && !subscription.broadcastSelf) continue;
      if (!subscription.policies.broadcastRead) continue;
      deliverTo(subscription, broadcast);
    }
  }

  return { connections, subscribersOf, register, unregister, deliverBroadcast };
}

export type ChannelRegistry = ReturnType<typeof createChannelRegistry>;

function deliverTo(subscription: Subscription, broadcast: OutgoingBroadcast): void {
  const { connection } = subscription;
  if (connection.version === "2.0.0" && (broadcast.binary || broadcast.raw)) {
    if (!isOpen(connection)) return;
    connection.socket.send(
      encodeBinaryBroadcast({
        topic: subscription.topic,
        userEvent: broadcast.userEvent,
        meta: { id: broadcast.id },
        encoding: broadcast.raw ? "raw" : "json",
        payloadBytes: broadcast.raw ?? Buffer.from(JSON.stringify(broadcast.json ?? {}), "utf8"),
      }),
    );
    return;
  }
  // vsn 1.0.0 has no binary frames: raw bytes cannot reach those clients.
  if (broadcast.raw) return;
  send(connection, {
    joinRef: null,
    ref: null,
    topic: subscription.topic,
    event: "broadcast",
    payload: { type: "broadcast", event: broadcast.userEvent, payload: broadcast.json ?? {}, meta: { id: broadcast.id } },
  });
}
