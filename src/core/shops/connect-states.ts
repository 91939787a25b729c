// The `state` of TikTok's OAuth round trip: 32 random bytes handed to TikTok and back,
// bound server-side to the signed-in user, their creator and their Auth session, good for
// one use within a few minutes. Only its SHA-256 is stored.
import type { Sql } from "postgres";
import { sha256Hex, utf8 } from "../channels/tiktok-shop/hmac-sha256.ts";

export const CONNECT_STATE_TTL_MS = 10 * 60 * 1000;

export interface ConnectingUser {
  userId: string;
  creatorId: string;
  /** The Auth session the connection started in; null when the token names none. */
  sessionId: string | null;
}

export type StateCheck = { ok: true } | { ok: false; reason: "invalid_state" | "state_expired" };

function newStateValue(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const stateHash = (state: string) => sha256Hex(utf8(state));

/** Each channel's connect flow keeps its states in a table of its own (same shape). */
export type ConnectStateTable = "tiktok_oauth_states" | "shopify_oauth_states";

export async function createConnectState(sql: Sql, user: ConnectingUser, now: Date, ttlMs = CONNECT_STATE_TTL_MS, table: ConnectStateTable = "tiktok_oauth_states"): Promise<string> {
  const state = newStateValue();
  await sql`
    insert into ${sql("public." + table)} (state_hash, user_id, creator_id, session_id, created_at, expires_at)
    values (${await stateHash(state)}, ${user.userId}::uuid, ${user.creatorId}::uuid, ${user.sessionId}, ${now}, ${new Date(now.getTime() + ttlMs)})`;
  return state;
}

/**
 * Uses up the state if it is this user's, in this session, and unused. A state that is
 * unknown, used, or someone else's is "invalid" alike (the caller learns nothing about
 * other people's states), and is left as it was; one past its time is used up and "expired".
 */
export async function consumeConnectState(sql: Sql, state: string, user: ConnectingUser, now: Date, table: ConnectStateTable = "tiktok_oauth_states"): Promise<StateCheck> {
  if (state.length === 0 || state.length > 200) return { ok: false, reason: "invalid_state" };
  const [row] = await sql<{ expires_at: Date }[]>`
    update ${sql("public." + table)} set used_at = ${now}
     where state_hash = ${await stateHash(state)} and used_at is null
       and user_id = ${user.userId}::uuid and creator_id = ${user.creatorId}::uuid
       and session_id is not distinct from ${user.sessionId}
    returning expires_at`;
  if (!row) return { ok: false, reason: "invalid_state" };
  if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: "state_expired" };
  return { ok: true };
}
