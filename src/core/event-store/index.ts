export * from "./errors.ts";
export * from "./event-store.ts";
export * from "./append-rows.ts";
export * from "./type-filter.ts";
export * from "./upcasting.ts";
export * from "./metadata-upcasting.ts";
export * from "./validation.ts";
export * from "./grouped-appends.ts";
