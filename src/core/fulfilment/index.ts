export * from "./carrier-simulator.ts";
export * from "./events.ts";
export * from "./fulfilment-saga.ts";
export * from "./payment-simulator.ts";
export * from "./ports.ts";
export * from "./saga-state.ts";
export * from "./saga-store.ts";
export * from "./tiktok-payments.ts";
