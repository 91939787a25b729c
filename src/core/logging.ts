// Structured logs: one JSON line per log event, with its level, message and whatever ids tie it
// to a request or an event (request_id, correlation_id; trace_id and span_id whenever a span
// is active, so a line leads to its trace). Runs in Node and Deno; the
// adapter passes LOG_LEVEL and, in tests, where lines go. Values under secret-sounding keys
// (tokens, keys, passwords, cookies, raw bodies) are replaced, and bearer tokens and JWTs are
// scrubbed from messages, so nothing secret reaches a log even when a caller passes it.
import { activeTraceIds } from "./tracing.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line (a request's id, a consumer's name). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** LOG_LEVEL: lines below it are dropped; unknown or missing means "info". */
  level?: string;
  base?: LogFields;
  /** Where a line goes; by default warn and error to stderr, the rest to stdout. */
  write?: (line: string, level: LogLevel) => void;
}

const SECRET_KEY = /token|secret|password|passwd|authorization|api_?key|cookie|raw_?body|signature|private_?key|credential/i;
const SECRET_TEXT = [/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g];

export function scrubText(text: string): string {
  return SECRET_TEXT.reduce((scrubbed, pattern) => scrubbed.replace(pattern, "[redacted]"), text);
}

function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value instanceof Error) {
    const cause = value.cause === undefined ? {} : { cause: safeValue(value.cause, depth + 1) };
    return { name: value.name, message: scrubText(value.message), ...(value.stack ? { stack: scrubText(value.stack) } : {}), ...cause };
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (depth >= 5) return "[nested]";
  if (Array.isArray(value)) return value.map((item) => safeValue(item, depth + 1));
  return safeFields(value as LogFields, depth + 1);
}

function safeFields(fields: LogFields, depth = 0): LogFields {
  const safe: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    safe[key] = SECRET_KEY.test(key) ? "[redacted]" : safeValue(value, depth);
  }
  return safe;
}

const defaultWrite = (line: string, level: LogLevel) => (level === "warn" || level === "error" ? console.error(line) : console.log(line));

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf((LOG_LEVELS as readonly string[]).includes(options.level ?? "") ? (options.level as LogLevel) : "info");
  const write = options.write ?? defaultWrite;
  const base = options.base ?? {};
  const at = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const line = { time: new Date().toISOString(), level, message: scrubText(message), ...activeTraceIds(), ...safeFields({ ...base, ...fields }) };
    write(JSON.stringify(line), level);
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
