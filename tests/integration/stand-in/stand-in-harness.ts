// Shared setup for the stand-in tests: a stand-in on a free port with its own key folder,
// real supabase-js clients pointed at it, seeded users, and a raw Phoenix socket for
// the frames supabase-js would never send.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js";
import type { Sql } from "postgres";
import { afterAll, inject } from "vitest";
import WebSocket from "ws";
import { freePort } from "../../../supabase/local/free-port.ts";
import { createLocalUser, startSupabaseStandIn, type StandInOptions, type SupabaseStandIn } from "../../../supabase/local/stand-in/index.ts";
import { uniqueId } from "../../test-data.ts";

export { freePort };

/** Starts a stand-in for this test file and stops it (and removes its keys) after the file's tests. */
export async function startTestStandIn(options: Partial<StandInOptions> = {}): Promise<SupabaseStandIn> {
  const keysDir = options.keysDir ?? mkdtempSync(path.join(os.tmpdir(), "stand-in-keys-"));
  const standIn = await startSupabaseStandIn({
    databaseUrl: inject("databaseUrl"),
    port: await freePort(),
    keysDir,
    log: () => {},
    // A test file signs in far more often from 127.0.0.1 than config.toml's per-IP limit allows people to.
    signInGuard: { signInsPerIpPer5Minutes: 1_000 },
    ...options,
  });
  afterAll(async () => {
    await standIn.stop();
    if (!options.keysDir) rmSync(keysDir, { recursive: true, force: true });
  });
  return standIn;
}

const functionsDir = path.resolve(import.meta.dirname, "../../../supabase/functions");

/** The Edge Functions' TikTok settings: the app's credentials and, where one runs, the TikTok API (a simulator) and the key sealing sellers' tokens. */
export interface FunctionsTikTok {
  appKey: string;
  appSecret: string;
  apiBaseUrl?: string;
  tokenEncryptionKey?: string;
}

/**
 * A stand-in serving this repository's Edge Functions in real Deno on `databaseUrl`, with the
 * TikTok settings as production names them, plus `env`. `databaseWorkers` runs the pg_net and
 * pg_cron stand-ins, so appends wake process-events as in production.
 */
export function startFunctionsStandIn(options: {
  databaseUrl: string;
  databaseWorkers?: boolean;
  tiktok: FunctionsTikTok;
  env?: Record<string, string>;
}): Promise<SupabaseStandIn> {
  const { tiktok } = options;
  return startTestStandIn({
    databaseUrl: options.databaseUrl,
    databaseWorkers: options.databaseWorkers ?? false,
    functions: {
      dir: functionsDir,
      env: {
        TIKTOK_APP_KEY: tiktok.appKey,
        TIKTOK_APP_SECRET: tiktok.appSecret,
        ...(tiktok.apiBaseUrl ? { TIKTOK_API_BASE_URL: tiktok.apiBaseUrl, TIKTOK_AUTH_BASE_URL: tiktok.apiBaseUrl } : {}),
        ...(tiktok.tokenEncryptionKey ? { TIKTOK_TOKEN_ENCRYPTION_KEY: tiktok.tokenEncryptionKey } : {}),
        ...options.env,
      },
    },
  });
}

const openClients: SupabaseClient[] = [];
afterAll(async () => {
  await Promise.all(openClients.map((client) => client.removeAllChannels()));
});

/** A real supabase-js client as a Node server or test would create it (no storage, ws transport). */
export function newClient(standIn: SupabaseStandIn, options: { vsn?: "1.0.0" | "2.0.0"; key?: string } = {}): SupabaseClient {
  const client = createClient(standIn.url, options.key ?? standIn.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never, ...(options.vsn ? { vsn: options.vsn } : {}) },
  });
  openClients.push(client);
  return client;
}

export async function seedUser(
  sql: Sql,
  appMetadata: { role: "creator" | "admin"; creator_id?: string | null },
): Promise<{ email: string; password: string; id: string }> {
  const email = `user-${uniqueId()}@creatorflow.test`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const { id } = await createLocalUser(sql, { email, password, appMetadata });
  return { email, password, id };
}

export async function signedInClient(
  standIn: SupabaseStandIn,
  user: { email: string; password: string },
  options: { vsn?: "1.0.0" | "2.0.0" } = {},
): Promise<SupabaseClient> {
  const client = newClient(standIn, options);
  const { error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
  if (error) throw error;
  return client;
}

export type SubscribeOutcome = { status: string; error?: Error };

/** Subscribes and resolves with the first terminal status (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT, CLOSED). */
export function subscribe(channel: RealtimeChannel): Promise<SubscribeOutcome> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => resolve({ status, error }));
  });
}

/** Polls until the check passes; the test's own timeout bounds the wait. */
export async function eventually<T>(check: () => T | undefined | false, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A bare Phoenix socket: sends any frame and collects what the server answers. */
export class RawPhoenixSocket {
  readonly received: (unknown[] | Record<string, unknown> | Buffer)[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      const frame = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      this.received.push(isBinary ? frame : (JSON.parse(frame.toString("utf8")) as unknown[] | Record<string, unknown>));
    });
    socket.on("close", (code) => {
      this.closeCode = code;
    });
  }

  static open(standIn: SupabaseStandIn, query: Record<string, string>): Promise<RawPhoenixSocket> {
    const url = new URL("/realtime/v1/websocket", standIn.url.replace(/^http/, "ws"));
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new RawPhoenixSocket(socket)));
      socket.once("unexpected-response", (_request, response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode, body: Buffer.concat(chunks).toString("utf8") })));
      });
      socket.once("error", reject);
    });
  }

  send(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  /** Waits for a vsn 2.0.0 reply to `ref` and returns its payload. */
  async replyTo(ref: string): Promise<{ status: string; response: Record<string, unknown> }> {
    const frame = await eventually(() =>
      this.received.find((message): message is unknown[] => Array.isArray(message) && message[1] === ref && message[3] === "phx_reply"),
    );
    return frame[4] as { status: string; response: Record<string, unknown> };
  }

  close(): void {
    this.socket.close();
  }
}
