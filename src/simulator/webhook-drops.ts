// Webhooks TikTok never delivers. A dropped notification is gone for good (its duplicates
// and late copies too), while the world it describes moves on: the order exists, with its
// current status, and the order search finds it. Only reconciliation can.
//
// Drops are drawn from their own seeded stream, so the deliveries that remain are exactly
// those of the same seed without drops, in the same order.
import { createSeededRandom } from "./seeded-random.ts";
import type { WebhookDelivery, WebhookTraffic } from "./webhook-traffic.ts";

export interface WebhookDrops {
  /** Notifications never delivered. */
  notifications: number;
  /** Orders named by at least one dropped notification. */
  orderIds: Set<string>;
}

export type TrafficWithDrops = WebhookTraffic & { drops: WebhookDrops };

export function withDroppedWebhooks(traffic: WebhookTraffic, options: { seed: number; dropRate: number }): TrafficWithDrops {
  if (!(options.dropRate >= 0 && options.dropRate < 1)) throw new RangeError("the drop rate must be at least 0 and below 1");
  const random = createSeededRandom((options.seed ^ 0xd509d509) >>> 0);
  const decided = new Map<string, boolean>();
  const drops: WebhookDrops = { notifications: 0, orderIds: new Set() };

  function isDropped(delivery: WebhookDelivery): boolean {
    let dropped = decided.get(delivery.notificationId);
    if (dropped === undefined) {
      dropped = options.dropRate > 0 && random.chance(options.dropRate);
      decided.set(delivery.notificationId, dropped);
      if (dropped) {
        drops.notifications++;
        const orderId = (JSON.parse(delivery.body) as { data?: { order_id?: unknown } }).data?.order_id;
        if (typeof orderId === "string") drops.orderIds.add(orderId);
      }
    }
    return dropped;
  }

  return {
    world: traffic.world,
    stats: traffic.stats,
    drops,
    next() {
      for (;;) {
        const delivery = traffic.next();
        if (!isDropped(delivery)) return delivery;
      }
    },
  };
}
