// Why connecting a TikTok Shop did not work, in words a creator can act on. The reason
// travels in the failure page's URL (`/connect-tiktok/failed?reason=...`): a fixed code,
// never TikTok's own message.
import type { ConnectFailureReason } from "@/core/shops/shop-connection.ts";
import type { NavigationFailure } from "@/server/auth/with-creator-navigation.ts";

export type ConnectFailure = ConnectFailureReason | NavigationFailure;

export const connectFailureMessages: Record<ConnectFailure, { title: string; detail: string; retry: boolean }> = {
  invalid_state: {
    title: "That connection link is not valid",
    detail: "It was already used, or it was started by another account or in another browser. Nothing was linked. Start again from this page.",
    retry: true,
  },
  state_expired: {
    title: "That connection link has expired",
    detail: "Connecting has to be finished within 10 minutes of starting. Nothing was linked. Start again.",
    retry: true,
  },
  denied: {
    title: "TikTok did not authorize the connection",
    detail: "The authorization was cancelled or declined on TikTok, so nothing was linked. You can try again whenever you are ready.",
    retry: true,
  },
  code_rejected: {
    title: "TikTok refused the authorization",
    detail: "The authorization code had expired or was already used. Nothing was linked. Start again to get a new one.",
    retry: true,
  },
  tiktok_unavailable: {
    title: "TikTok Shop is not answering right now",
    detail: "We could not reach TikTok to finish connecting. Nothing was linked. Please try again in a few minutes.",
    retry: true,
  },
  tiktok_error: {
    title: "TikTok answered with an error",
    detail: "TikTok could not confirm your shops, so nothing was linked. Please try again; if it keeps happening, contact support.",
    retry: true,
  },
  no_shops: {
    title: "No shop came with that authorization",
    detail: "The TikTok account you authorized has no TikTok Shop. Sign in to TikTok with the seller account of your shop and try again.",
    retry: true,
  },
  shop_linked_elsewhere: {
    title: "This shop is already linked to another account",
    detail: "A shop can be linked to one CreatorFlow account only. Nothing was linked. Sign in with the account it belongs to, or contact support to move it.",
    retry: false,
  },
  not_a_creator: {
    title: "Only creator accounts can connect a shop",
    detail: "This account is not a creator account, so it has no shop to connect.",
    retry: false,
  },
  unexpected: {
    title: "Something went wrong on our side",
    detail: "Nothing was linked. Please try again; if it keeps happening, contact support.",
    retry: true,
  },
};

export function isConnectFailure(value: unknown): value is ConnectFailure {
  return typeof value === "string" && Object.hasOwn(connectFailureMessages, value);
}

export const connectFailedPath = (reason: ConnectFailure) => `/connect-tiktok/failed?reason=${reason}`;
