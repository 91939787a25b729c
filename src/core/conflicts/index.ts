// Inventory sync conflicts: detection, automatic and manual resolution, the conflicts
// read model and the periodic reconciliation with TikTok Shop.
// Pure decisions (no database, unit-tested): sku-sync-state, detection, resolution,
// sync-decisions, reconciliation-decisions, sync-rules, sync-conflicts (the read model's
// fold), conflict-ids. Reading and writing Postgres: sync-rules-store,
// sync-conflicts-projection, sync-conflict-queries, and the flows that load, decide and
// append: sync-conflicts-consumer, manual-resolution, reconciliation.
export * from "./conflict-ids.ts";
export * from "./detection.ts";
export * from "./manual-resolution.ts";
export * from "./reconciliation.ts";
export * from "./reconciliation-decisions.ts";
export * from "./resolution.ts";
export * from "./sku-sync-state.ts";
export * from "./sync-conflicts-consumer.ts";
export * from "./sync-conflict-queries.ts";
export * from "./sync-conflicts.ts";
export * from "./sync-conflicts-projection.ts";
export * from "./sync-decisions.ts";
export * from "./sync-rules.ts";
export * from "./sync-rules-store.ts";
