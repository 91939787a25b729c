// What stands between a password sign-in and a brute force, as hosted Auth arranges it: a
// per-IP limit on sign-ins and sign-ups ([auth.rate_limit] sign_in_sign_ups, per 5 minutes),
// the Password Verification Attempt hook (a Postgres function the project defines, called after
// every password check), and a password check that costs the same whether the email exists.
import bcrypt from "bcryptjs";
import type { Sql } from "postgres";
import { readTomlSections } from "../config-toml.ts";

export const RATE_LIMIT_WINDOW_MS = 5 * 60_000;
/** Hosted Auth's default for sign_in_sign_ups. */
export const DEFAULT_SIGN_INS_PER_IP = 30;

export interface SignInGuardSettings {
  signInsPerIpPer5Minutes: number;
  /** Schema and name of the hook function, when config.toml enables one. */
  passwordVerificationHook?: { schema: string; name: string };
}

export function signInGuardSettingsFrom(configToml: string): SignInGuardSettings {
  const sections = readTomlSections(configToml);
  const perIp = sections["auth.rate_limit"]?.sign_in_sign_ups;
  const hook = sections["auth.hook.password_verification_attempt"];
  const target = hook?.enabled === true && typeof hook.uri === "string" ? /^pg-functions:\/\/[^/]+\/(\w+)\/(\w+)$/.exec(hook.uri) : null;
  return {
    signInsPerIpPer5Minutes: typeof perIp === "number" ? perIp : DEFAULT_SIGN_INS_PER_IP,
    ...(target ? { passwordVerificationHook: { schema: target[1], name: target[2] } } : {}),
  };
}

/** Fixed 5-minute windows per IP, as Auth counts them; `admit` is false once the limit is spent. */
export function createIpRateLimiter(limit: number, now: () => number = Date.now) {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    admit(ip: string): boolean {
      const at = now();
      let current = windows.get(ip);
      if (!current || at - current.startedAt >= RATE_LIMIT_WINDOW_MS) {
        current = { startedAt: at, count: 0 };
        windows.set(ip, current);
      }
      current.count += 1;
      if (windows.size > 10_000) {
        for (const [key, window] of windows) if (at - window.startedAt >= RATE_LIMIT_WINDOW_MS) windows.delete(key);
      }
      return current.count <= limit;
    },
  };
}

// Compared against when the email has no account, so both answers take one bcrypt check.
let absentUserHash: Promise<string> | undefined;

export async function passwordMatches(password: string, storedHash: string | null | undefined): Promise<boolean> {
  if (storedHash) return bcrypt.compare(password, storedHash);
  absentUserHash ??= bcrypt.hash("no account has this password", 10);
  await bcrypt.compare(password, await absentUserHash);
  return false;
}

/** The hook's answer: a message when it rejects the attempt, undefined to continue. */
export async function runPasswordVerificationHook(
  sql: Sql,
  hook: { schema: string; name: string },
  userId: string,
  valid: boolean,
): Promise<string | undefined> {
  const [row] = await sql<{ output: { decision?: string; message?: string } }[]>`
    select ${sql(hook.schema)}.${sql(hook.name)}(${sql.json({ user_id: userId, valid })}) as output`;
  if (row?.output?.decision !== "reject") return undefined;
  return row.output.message || "Further password verification attempts will be rejected.";
}
