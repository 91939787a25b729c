// Inventory sync conflicts: detection, automatic and manual resolution, the conflicts
// read model and the periodic reconciliation with TikTok Shop.
export * from "./conflict-ids.ts";
export * from "./detection.ts";
export * from "./manual-resolution.ts";
export * from "./reconciliation.ts";
export * from "./resolution.ts";
export * from "./sku-sync-state.ts";
export * from "./sync-conflicts-consumer.ts";
export * from "./sync-conflict-queries.ts";
export * from "./sync-conflicts.ts";
export * from "./sync-conflicts-projection.ts";
export * from "./sync-decisions.ts";
export * from "./sync-rules.ts";
