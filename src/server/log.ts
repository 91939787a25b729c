// The Next.js server's logger: JSON lines at LOG_LEVEL (src/core/logging.ts).
import { createLogger } from "@/core/logging.ts";

export const log = createLogger({ level: process.env.LOG_LEVEL, base: { service: "app" } });
