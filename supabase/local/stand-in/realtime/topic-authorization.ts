// Private channel authorization the way hosted Realtime does it: probe rows in
// realtime.messages, read back and inserted under the caller's role and claims inside a
// transaction that is always rolled back. The project's own RLS policies decide.
import type { Sql, TransactionSql } from "postgres";
import type { VerifiedClaims } from "../signing-keys.ts";

export interface TopicPolicies {
  broadcastRead: boolean;
  broadcastWrite: boolean;
  presenceRead: boolean;
  presenceWrite: boolean;
}

export const ALL_ALLOWED: TopicPolicies = { broadcastRead: true, broadcastWrite: true, presenceRead: true, presenceWrite: true };
const NONE_ALLOWED: TopicPolicies = { broadcastRead: false, broadcastWrite: false, presenceRead: false, presenceWrite: false };

/** Thrown to end a probe transaction or savepoint; never escapes this module. */
class ProbeFinished extends Error {}

const INSUFFICIENT_PRIVILEGE = "42501";
type Extension = "broadcast" | "presence";

export async function authorizeTopic(sql: Sql, subTopic: string, claims: VerifiedClaims): Promise<TopicPolicies> {
  const role = claims.role;
  // service_role bypasses RLS on hosted Supabase too.
  if (role === "service_role") return ALL_ALLOWED;
  if (role !== "authenticated" && role !== "anon") return NONE_ALLOWED;

  let policies = NONE_ALLOWED;
  try {
    await sql.begin(async (tx) => {
      const probes = await tx<{ id: string; extension: Extension }[]>`
        insert into realtime.messages (topic, extension, payload, event, private)
        values (${subTopic}, 'broadcast', '{}'::jsonb, 'authorization_probe', true),
               (${subTopic}, 'presence', '{}'::jsonb, 'authorization_probe', true)
        returning id, extension`;
      await tx`
        select set_config('role', ${role}, true),
               set_config('realtime.topic', ${subTopic}, true),
               set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
               set_config('request.jwt.claim.sub', ${typeof claims.sub === "string" ? claims.sub : ""}, true),
               set_config('request.jwt.claim.role', ${role}, true)`;
      const visible = await tx<{ extension: Extension }[]>`
        select extension from realtime.messages where id in ${tx(probes.map((probe) => probe.id))}`;
      const readable = new Set(visible.map((row) => row.extension));
      policies = {
        broadcastRead: readable.has("broadcast"),
        presenceRead: readable.has("presence"),
        broadcastWrite: await canInsert(tx, subTopic, "broadcast"),
        presenceWrite: await canInsert(tx, subTopic, "presence"),
      };
      throw new ProbeFinished();
    });
  } catch (error) {
    if (!(error instanceof ProbeFinished)) throw error;
  }
  return policies;
}

async function canInsert(tx: TransactionSql, subTopic: string, extension: Extension): Promise<boolean> {
  try {
    await tx.savepoint(async (savepoint) => {
      await savepoint`
        insert into realtime.messages (topic, extension, payload, event, private)
        values (${subTopic}, ${extension}, '{}'::jsonb, 'authorization_probe', true)`;
      throw new ProbeFinished();
    });
  } catch (error) {
    if (error instanceof ProbeFinished) return true;
    if ((error as { code?: string }).code === INSUFFICIENT_PRIVILEGE) return false;
    throw error;
  }
  return true;
}
