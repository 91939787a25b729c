export * from "./lane-call.ts";
export * from "./consumer.ts";
export * from "./consumer-runner.ts";
export * from "./checkpoint-status.ts";
export * from "./dead-letters.ts";
export * from "./dead-letter-retry.ts";
export * from "./retry-policy.ts";
