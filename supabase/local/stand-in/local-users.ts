// Seeding users for the local stack and tests, as GoTrue's admin createUser would.
import { randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import type postgres from "postgres";
import type { Sql } from "postgres";

const BCRYPT_COST = 10;

export type LocalUserRole = "creator" | "admin";

export interface LocalUserInput {
  email: string;
  password: string;
  appMetadata: { role: LocalUserRole; creator_id?: string | null } & Record<string, unknown>;
  userMetadata?: Record<string, unknown>;
}

/**
 * Creates (or, for an existing email, resets) a confirmed user: seeding for dev and tests.
 * As GoTrue's admin createUser does, it inserts the user and then writes the app_metadata
 * it was given: the insert trigger of auth.users (baseline migration, section 9) makes
 * every new row a creator with a fresh creator id, and only this later update can make an
 * admin or choose the creator id. Keys the caller leaves out keep the trigger's values.
 */
export async function createLocalUser(sql: Sql, input: LocalUserInput): Promise<{ id: string; email: string }> {
  const email = input.email.trim().toLowerCase();
  const hash = await bcrypt.hash(input.password, BCRYPT_COST);
  const appMetadata = { provider: "email", providers: ["email"], ...input.appMetadata };
  return sql.begin(async (tx) => {
    const [row] = await tx<{ id: string; email: string }[]>`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                              raw_app_meta_data, raw_user_meta_data)
      values ('00000000-0000-0000-0000-000000000000', ${randomUUID()}, 'authenticated', 'authenticated', ${email},
              ${hash}, now(), ${tx.json({ provider: "email", providers: ["email"] })}, '{}'::jsonb)
      on conflict (email) do update
        set encrypted_password = excluded.encrypted_password,
            updated_at = now()
      returning id, email`;
    await tx`
      update auth.users
      set raw_app_meta_data = raw_app_meta_data || ${tx.json(appMetadata as postgres.JSONValue)},
          raw_user_meta_data = ${tx.json((input.userMetadata ?? {}) as postgres.JSONValue)},
          updated_at = now()
      where id = ${row.id}`;
    return row;
  });
}
