// The stand-in's one ES256 signing key, generated once and kept on disk so sessions,
// the anon key and the service-role key survive restarts (a browser keeps its
// .env.local values and its session cookie across `npm run dev` runs).
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";

const ALGORITHM = "ES256";
const API_KEY_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;
export const KEYS_FILE_NAME = "supabase-stand-in-keys.json";

interface StoredKeys {
  privateJwk: JWK;
  anonKey: string;
  serviceRoleKey: string;
}

/** Claims of a token the stand-in signed; `role` is the Postgres role the token acts as. */
export interface VerifiedClaims extends JWTPayload {
  role?: string;
  session_id?: string;
  email?: string;
  app_metadata?: Record<string, unknown>;
}

export class JwtRejectedError extends Error {
  constructor(
    readonly reason: "expired" | "invalid",
    message: string,
    readonly secondsSinceExpiry = 0,
  ) {
    super(message);
    this.name = "JwtRejectedError";
  }
}

export interface SigningKeys {
  kid: string;
  jwks: { keys: JWK[] };
  anonKey: string;
  serviceRoleKey: string;
  sign(claims: JWTPayload, expiresInSeconds: number): Promise<string>;
  /** Verifies signature and expiry; throws JwtRejectedError. */
  verify(token: string): Promise<VerifiedClaims>;
}

export async function loadOrCreateSigningKeys(keysDir: string): Promise<SigningKeys> {
  const file = path.join(keysDir, KEYS_FILE_NAME);
  const stored = existsSync(file) ? readPrivateKeysFile(file) : await createStoredKeys(file);
  const kid = stored.privateJwk.kid;
  if (!kid) throw new Error(`${file} holds a key without a kid; delete the file to generate a new one.`);
  const privateKey = await importJWK(stored.privateJwk, ALGORITHM);
  const { d: _privatePart, ...publicFields } = stored.privateJwk;
  const publicJwk: JWK = { ...publicFields, kid, alg: ALGORITHM, use: "sig", key_ops: ["verify"], ext: true };
  const publicKey = await importJWK(publicJwk, ALGORITHM);

  return {
    kid,
    jwks: { keys: [publicJwk] },
    anonKey: stored.anonKey,
    serviceRoleKey: stored.serviceRoleKey,
    sign: (claims, expiresInSeconds) => signWith(privateKey, kid, claims, expiresInSeconds),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { algorithms: [ALGORITHM] });
        return payload as VerifiedClaims;
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          const exp = Number(error.payload.exp ?? 0);
          const ago = Math.max(0, Math.floor(Date.now() / 1000) - exp);
          throw new JwtRejectedError("expired", `Token has expired ${ago} seconds ago`, ago);
        }
        throw new JwtRejectedError("invalid", error instanceof Error ? error.message : "invalid JWT");
      }
    },
  };
}

/**
 * The keys folder may sit in a shared temporary directory under a predictable name. Keys
 * planted there by another account would let that account sign a service_role token, so a
 * file (or folder) not ours alone is refused rather than trusted.
 */
function readPrivateKeysFile(file: string): StoredKeys {
  const uid = process.getuid?.();
  for (const [what, target] of [["folder", path.dirname(file)], ["file", file]] as const) {
    const problem = keysPathProblem(what, target, statSync(target), uid);
    if (problem) throw new Error(`Refusing the local signing keys: ${problem}. Delete it to generate new keys.`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as StoredKeys;
}

/** Why a keys file or its folder cannot be trusted, or undefined when it is this user's alone. */
export function keysPathProblem(what: "file" | "folder", target: string, info: { uid: number; mode: number }, uid: number | undefined): string | undefined {
  if (uid !== undefined && info.uid !== uid) return `the ${what} ${target} belongs to uid ${info.uid}, not to this user (uid ${uid})`;
  // Others may not read the file, nor swap it by writing to the folder.
  const openTo = what === "file" ? info.mode & 0o077 : info.mode & 0o022;
  if (openTo !== 0) return `the ${what} ${target} is open to other users (mode ${(info.mode & 0o777).toString(8)})`;
  return undefined;
}

async function createStoredKeys(file: string): Promise<StoredKeys> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: ALGORITHM };
  const signingKey = await importJWK(privateJwk, ALGORITHM);
  const kid = privateJwk.kid as string;
  const stored: StoredKeys = {
    privateJwk,
    anonKey: await signWith(signingKey, kid, { iss: "supabase", ref: "local", role: "anon" }, API_KEY_LIFETIME_SECONDS),
    serviceRoleKey: await signWith(signingKey, kid, { iss: "supabase", ref: "local", role: "service_role" }, API_KEY_LIFETIME_SECONDS),
  };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return stored;
}

async function signWith(
  key: Awaited<ReturnType<typeof importJWK>>,
  kid: string,
  claims: JWTPayload,
  expiresInSeconds: number,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(key);
}
