// The browser side of the creator's private Realtime channel `creator:<creator id>`. The
// RLS policies on realtime.messages decide who may join, so the channel is private and the
// socket carries the signed-in user's JWT, never the anon key alone.
import type { RealtimeChannel } from "@supabase/supabase-js";
import { createClient } from "@/lib/supabase/client.ts";

export type ChannelStatus = "subscribed" | "error" | "closed";

export interface ChannelHandlers {
  onMessage(event: string, payload: unknown): void;
  onStatus(status: ChannelStatus, detail?: string): void;
}

/** Joins the creator's channel; returns a function that leaves it. */
export type RealtimeConnector = (creatorId: string, handlers: ChannelHandlers) => () => void;

export const connectCreatorChannel: RealtimeConnector = (creatorId, handlers) => {
  const supabase = createClient();
  let channel: RealtimeChannel | null = null;
  let left = false;

  void (async () => {
    // Private channels are authorized with the user's access token; set it before joining.
    await supabase.realtime.setAuth();
    if (left) return;
    channel = supabase
      .channel(`creator:${creatorId}`, { config: { private: true } })
      // Every event, not just "delta": an event the page does not know must make it refetch.
      .on("broadcast", { event: "*" }, (message: { event: string; payload?: unknown }) => handlers.onMessage(message.event, message.payload))
      .subscribe((status, error) => {
        if (left) return;
        if (status === "SUBSCRIBED") handlers.onStatus("subscribed");
        else if (status === "CLOSED") handlers.onStatus("closed");
        else handlers.onStatus("error", error?.message);
      });
  })().catch((error: unknown) => handlers.onStatus("error", error instanceof Error ? error.message : String(error)));

  return () => {
    left = true;
    if (channel) void supabase.removeChannel(channel);
  };
};
