// RLS as the second wall for creator-scoped reads. The server connects as the tables' owner,
// which RLS never restricts; here a transaction switches to the role and claims Supabase gives
// a signed-in creator's own requests, so a query that forgets its `where creator_id = …`
// returns that creator's rows and nobody else's. Admin and system work (health, dead letters,
// the admin panel) stays on the owner connection. Commands append through append_to_stream,
// which is the service's alone and refuses a stream of another creator.
import type { Sql, TransactionSql } from "postgres";

/** From here to the end of the transaction, RLS sees the creator's claims. */
export async function actAsCreator(tx: TransactionSql, creatorId: string): Promise<void> {
  const claims = { role: "authenticated", app_metadata: { role: "creator", creator_id: creatorId } };
  await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
}

/** A read-only transaction under the creator's claims. */
export function readAsCreator<T>(sql: Sql, creatorId: string, read: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin("read only", async (tx) => {
    await actAsCreator(tx, creatorId);
    return read(tx);
  }) as Promise<T>;
}
