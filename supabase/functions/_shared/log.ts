// The Edge Functions' logger: JSON lines at LOG_LEVEL (src/core/logging.ts), named by function.
import { createLogger, type Logger } from "../../../src/core/logging.ts";

export function functionLogger(name: string): Logger {
  return createLogger({ level: Deno.env.get("LOG_LEVEL"), base: { service: name } });
}
