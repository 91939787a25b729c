// Sales and stock per channel, and in total, as the dashboard's channel section shows them:
// derived from the snapshot the page keeps live (today's metrics by channel, each SKU's count
// on every channel), so a delta that moves either moves the section with no figure of its own.
import type { DashboardSnapshot, SalesChannel } from "./dashboard-types.ts";

export const CHANNEL_LABELS: Record<SalesChannel, string> = { tiktok_shop: "TikTok Shop", shopify: "Shopify" };
const CHANNEL_ORDER: readonly SalesChannel[] = ["tiktok_shop", "shopify"];

export interface ChannelFigures {
  channel: SalesChannel;
  ordersToday: number;
  grossTodayMinor: number;
  /** Units the channel shows for sale over the SKUs it lists; null when it lists none we know of. */
  shownAvailable: number | null;
  /** SKUs whose count on the channel is known. */
  skusListed: number;
}

export interface ChannelTotals {
  ordersToday: number;
  grossTodayMinor: number;
  /** The pool every channel sells from: available units over all SKUs. */
  poolAvailable: number;
}

/** One row per channel that sold today or shows a SKU (TikTok Shop always first), and the totals. */
export function channelFigures(data: Pick<DashboardSnapshot, "today" | "inventory">): { channels: ChannelFigures[]; total: ChannelTotals } {
  const channels = CHANNEL_ORDER.flatMap((channel): ChannelFigures[] => {
    const sales = data.today.byChannel.find((entry) => entry.channel === channel);
    const counts = data.inventory.map((row) => row.channelAvailable[channel]).filter((count): count is number => count !== undefined);
    if (channel !== "tiktok_shop" && !sales && counts.length === 0) return [];
    return [
      {
        channel,
        ordersToday: sales?.ordersReceived ?? 0,
        grossTodayMinor: sales?.grossMinor ?? 0,
        shownAvailable: counts.length === 0 ? null : counts.reduce((sum, count) => sum + Math.max(0, count), 0),
        skusListed: counts.length,
      },
    ];
  });
  const poolAvailable = data.inventory.reduce((sum, row) => sum + Math.max(0, row.available), 0);
  return { channels, total: { ordersToday: data.today.ordersReceived, grossTodayMinor: data.today.grossMinor, poolAvailable } };
}
