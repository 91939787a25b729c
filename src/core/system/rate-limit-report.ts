// The record a rate-limited caller leaves when TikTok's remaining calls run low: one
// system.api_rate_limit_approached on the creator's system stream, by the component calling.
import { automatedOrigin, type EventData } from "../event-catalogue.ts";
import type { EventStore } from "../event-store/index.ts";

/** A rate-limited caller's `reportApproached` for calls made for `creatorId` by `component`. */
export function reportRateLimitApproached(store: Pick<EventStore, "appendToStream">, creatorId: string, component: string) {
  return async (data: EventData<"system.api_rate_limit_approached">): Promise<void> => {
    await store.appendToStream({
      creatorId,
      aggregateId: `system-${creatorId}`,
      aggregateType: "system",
      events: [{ type: "system.api_rate_limit_approached", data }],
      metadata: automatedOrigin(component),
    });
  };
}
