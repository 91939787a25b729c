// The stand-in Auth's users and sessions as GoTrue keeps and shows them: the auth.users
// row, its JSON shape, a new session with its first refresh token, and the session answer
// with a signed access token. Also the error type every Auth route throws.
import { randomBytes, randomUUID } from "node:crypto";
import type { Sql, TransactionSql } from "postgres";
import type { SigningKeys } from "./signing-keys.ts";

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
}

export class AuthApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const invalidCredentials = () => new AuthApiError(400, "invalid_credentials", "Invalid login credentials");

export interface SessionTokenOptions {
  keys: SigningKeys;
  /** `iss` of access tokens: `<url>/auth/v1`, as GoTrue's API_EXTERNAL_URL. */
  issuer: string;
  accessTokenLifetimeSeconds: number;
}

export function userJson(user: UserRow) {
  const iso = (value: Date | null) => (value ? value.toISOString() : null);
  return {
    id: user.id,
    aud: user.aud ?? "authenticated",
    role: user.role ?? "authenticated",
    email: user.email,
    email_confirmed_at: iso(user.email_confirmed_at),
    phone: "",
    confirmed_at: iso(user.email_confirmed_at),
    last_sign_in_at: iso(user.last_sign_in_at),
    app_metadata: user.raw_app_meta_data,
    user_metadata: user.raw_user_meta_data,
    identities: [
      {
        identity_id: user.id,
        id: user.id,
        user_id: user.id,
        identity_data: { email: user.email, email_verified: user.email_confirmed_at !== null, sub: user.id },
        provider: "email",
        last_sign_in_at: iso(user.last_sign_in_at),
        created_at: iso(user.created_at),
        updated_at: iso(user.updated_at),
        email: user.email,
      },
    ],
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    is_anonymous: user.is_anonymous,
  };
}

/** What GoTrue answers a grant or sign-up with: a signed access token, the refresh token and the user. */
export async function sessionJson(options: SessionTokenOptions, user: UserRow, sessionId: string, refreshToken: string) {
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await options.keys.sign(
    {
      iss: options.issuer,
      sub: user.id,
      aud: user.aud ?? "authenticated",
      email: user.email,
      phone: "",
      app_metadata: user.raw_app_meta_data,
      user_metadata: user.raw_user_meta_data,
      role: user.role ?? "authenticated",
      aal: "aal1",
      amr: [{ method: "password", timestamp: now }],
      session_id: sessionId,
      is_anonymous: user.is_anonymous,
    },
    options.accessTokenLifetimeSeconds,
  );
  return {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: options.accessTokenLifetimeSeconds,
    expires_at: now + options.accessTokenLifetimeSeconds,
    refresh_token: refreshToken,
    user: userJson(user),
  };
}

export async function startSession(tx: TransactionSql, user: UserRow): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  await tx`insert into auth.sessions (id, user_id) values (${sessionId}, ${user.id})`;
  await tx`insert into auth.refresh_tokens (token, user_id, session_id) values (${refreshToken}, ${user.id}, ${sessionId})`;
  await tx`update auth.users set last_sign_in_at = now() where id = ${user.id}`;
  return { sessionId, refreshToken };
}

export async function userById(db: Sql | TransactionSql, id: string): Promise<UserRow | undefined> {
  const [user] = await db<UserRow[]>`select * from auth.users where id = ${id}`;
  return user;
}

export function newRefreshToken(): string {
  return randomBytes(18).toString("base64url");
}
