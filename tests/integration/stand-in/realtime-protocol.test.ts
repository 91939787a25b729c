// Realtime frames supabase-js would never send: the stand-in answers bad input with
// protocol errors, enforces its per-connection limits, and stays up. Also the raw
// shapes of replies and presence ordering, and a Realtime restart seen by a client.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT, generateKeyPair, importJWK, type JWK } from "jose";
import { KEYS_FILE_NAME } from "../../../supabase/local/stand-in/signing-keys.ts";
import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { eventually, newClient, RawPhoenixSocket, seedUser, startTestStandIn, subscribe } from "./stand-in-harness.ts";

const sql = connectTestDatabase();
const keysDir = mkdtempSync(path.join(os.tmpdir(), "stand-in-keys-"));
const standIn = await startTestStandIn({ keysDir, realtimeLimits: { maxChannelsPerConnection: 100, maxMessagesPerSecond: 150 } });
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

/** The stand-in's own private key, to mint tokens it signed but that are expired. */
async function standInPrivateKey() {
  const stored = JSON.parse(readFileSync(path.join(keysDir, KEYS_FILE_NAME), "utf8")) as { privateJwk: JWK };
  return importJWK(stored.privateJwk, "ES256");
}

let refCounter = 0;
const nextRef = () => String(++refCounter);

function joinFrame(topic: string, payload: Record<string, unknown> = {}): { ref: string; frame: string } {
  const ref = nextRef();
  const config = { broadcast: { ack: false, self: false }, presence: { key: "", enabled: false }, postgres_changes: [], private: false };
  return { ref, frame: JSON.stringify([ref, ref, topic, "phx_join", { config, ...payload }]) };
}

async function openSocket(vsn: "1.0.0" | "2.0.0" = "2.0.0"): Promise<RawPhoenixSocket> {
  return RawPhoenixSocket.open(standIn, { apikey: standIn.anonKey, vsn });
}

/** A socket that has joined `topic` (public, no access token), and the ref of its join. */
async function joinedSocket(topic: string): Promise<{ socket: RawPhoenixSocket; joinRef: string }> {
  const socket = await openSocket();
  const { ref: joinRef, frame } = joinFrame(topic);
  socket.send(frame);
  await socket.replyTo(joinRef);
  return { socket, joinRef };
}

async function heartbeatAnswers(socket: RawPhoenixSocket): Promise<boolean> {
  const ref = nextRef();
  socket.send(JSON.stringify([null, ref, "phoenix", "heartbeat", {}]));
  return (await socket.replyTo(ref)).status === "ok";
}

/** Kind 3 frame, as realtime-js encodes a broadcast push. */
function binaryPush(fields: { joinRef: string; ref: string; topic: string; event: string; payload: Buffer }): Buffer {
  const parts = [fields.joinRef, fields.ref, fields.topic, fields.event, ""].map((part) => Buffer.from(part, "utf8"));
  return Buffer.concat([Buffer.from([3, ...parts.map((part) => part.length), 1]), ...parts, fields.payload]);
}

describe("handshake", () => {
  it("refuses a socket without an API key with HTTP 401", async () => {
    await expect(RawPhoenixSocket.open(standIn, { vsn: "2.0.0" })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a socket whose API key is a forged JWT with HTTP 403", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ role: "service_role" }).setProtectedHeader({ alg: "ES256", kid: standIn.jwks.keys[0].kid as string }).setExpirationTime("1h").sign(privateKey);

    const attempt = RawPhoenixSocket.open(standIn, { apikey: forged, vsn: "2.0.0" });

    await expect(attempt).rejects.toMatchObject({ status: 403, body: expect.stringContaining("error") });
  });
});

describe("frames", () => {
  it("answers heartbeats and replies to joins with the vsn 2.0.0 array shape", async () => {
    const socket = await openSocket();
    const { ref, frame } = joinFrame("realtime:room-shape");
    socket.send(frame);

    expect(await socket.replyTo(ref)).toEqual({ status: "ok", response: { postgres_changes: [] } });
    expect(socket.received[0]).toEqual([ref, ref, "realtime:room-shape", "phx_reply", { status: "ok", response: { postgres_changes: [] } }]);
    expect(await heartbeatAnswers(socket)).toBe(true);
    socket.close();
  });

  it("speaks JSON object frames on vsn 1.0.0", async () => {
    const socket = await openSocket("1.0.0");
    const ref = nextRef();
    socket.send(JSON.stringify({ join_ref: null, ref, topic: "phoenix", event: "heartbeat", payload: {} }));

    const reply = await eventually(() => socket.received.find((message) => !Array.isArray(message) && !Buffer.isBuffer(message) && message.ref === ref));
    expect(reply).toEqual({ join_ref: null, ref, topic: "phoenix", event: "phx_reply", payload: { status: "ok", response: {} } });
    socket.close();
  });

  it("answers malformed frames with an error reply and keeps the connection", async () => {
    const socket = await openSocket();
    socket.send("{not json");
    socket.send(JSON.stringify({ an: "object on vsn 2.0.0" }));
    socket.send(Buffer.from([3, 200, 200, 200, 200, 0, 1]));
    socket.send(Buffer.from([9, 0, 0]));

    await eventually(() => socket.received.length >= 4);
    for (const message of socket.received.slice(0, 4)) {
      expect(message).toEqual([null, null, "phoenix", "phx_reply", { status: "error", response: { reason: expect.stringMatching(/^malformed message/) } }]);
    }
    expect(await heartbeatAnswers(socket)).toBe(true);
    socket.close();
  });

  it("answers an unknown event and a message on an unjoined topic with errors", async () => {
    const { socket, joinRef } = await joinedSocket("realtime:room-unknown");

    const unknownRef = nextRef();
    socket.send(JSON.stringify([joinRef, unknownRef, "realtime:room-unknown", "teleport", {}]));
    const unjoinedRef = nextRef();
    socket.send(JSON.stringify([null, unjoinedRef, "realtime:never-joined", "broadcast", { type: "broadcast", event: "x", payload: {} }]));

    expect(await socket.replyTo(unknownRef)).toEqual({ status: "error", response: { reason: "unknown event teleport" } });
    expect(await socket.replyTo(unjoinedRef)).toEqual({ status: "error", response: { reason: "unmatched topic" } });
    socket.close();
  });

  it("rejects an oversized broadcast payload and stays up", async () => {
    const { socket, joinRef } = await joinedSocket("realtime:room-oversized");

    const ref = nextRef();
    socket.send(binaryPush({ joinRef, ref, topic: "realtime:room-oversized", event: "huge", payload: Buffer.from(JSON.stringify({ blob: "x".repeat(256 * 1024) })) }));

    expect(await socket.replyTo(ref)).toMatchObject({ status: "error", response: { reason: expect.stringMatching(/^PayloadTooLarge/) } });
    expect(await heartbeatAnswers(socket)).toBe(true);
    socket.close();
  });

  it("refuses a join whose access token is forged or expired", async () => {
    const user = await seedUser(sql, { role: "creator", creator_id: newCreatorId() });
    const { data } = await newClient(standIn).auth.signInWithPassword({ email: user.email, password: user.password });
    const [header, , signature] = data.session!.access_token.split(".");
    const tamperedClaims = Buffer.from(JSON.stringify({ sub: user.id, role: "service_role", exp: 9999999999 })).toString("base64url");
    const expired = await new SignJWT({ role: "authenticated", sub: user.id })
      .setProtectedHeader({ alg: "ES256", kid: standIn.jwks.keys[0].kid as string })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(await standInPrivateKey());
    const socket = await openSocket();

    const forgedJoin = joinFrame("realtime:room-forged", { access_token: `${header}.${tamperedClaims}.${signature}` });
    socket.send(forgedJoin.frame);
    const expiredJoin = joinFrame("realtime:room-expired", { access_token: expired });
    socket.send(expiredJoin.frame);

    expect(await socket.replyTo(forgedJoin.ref)).toMatchObject({ status: "error", response: { reason: expect.stringMatching(/^InvalidJWTToken/) } });
    expect(await socket.replyTo(expiredJoin.ref)).toMatchObject({ status: "error", response: { reason: expect.stringMatching(/^Token has expired \d+ seconds ago$/) } });
    expect(await heartbeatAnswers(socket)).toBe(true);
    socket.close();
  });

  it("closes a channel whose refreshed access token is invalid, with a system error first", async () => {
    const { socket, joinRef } = await joinedSocket("realtime:room-token");

    socket.send(JSON.stringify([joinRef, nextRef(), "realtime:room-token", "access_token", { access_token: "not.a.jwt" }]));

    const close = await eventually(() => socket.received.find((message) => Array.isArray(message) && message[3] === "phx_close") as unknown[] | undefined);
    const system = socket.received.find((message) => Array.isArray(message) && message[3] === "system") as unknown[];
    expect(socket.received.indexOf(system)).toBeLessThan(socket.received.indexOf(close));
    expect(system[4]).toMatchObject({ status: "error", extension: "system", channel: "room-token" });
    socket.close();
  });

  it("sends presence_state before any presence_diff", async () => {
    const topic = `realtime:room-presence-${newCreatorId()}`;
    const tracker = await openSocket();
    const trackerJoin = joinFrame(topic);
    tracker.send(trackerJoin.frame);
    await tracker.replyTo(trackerJoin.ref);
    const trackRef = nextRef();
    tracker.send(JSON.stringify([trackerJoin.ref, trackRef, topic, "presence", { type: "presence", event: "track", payload: { name: "t" } }]));
    await tracker.replyTo(trackRef);

    const watcher = await openSocket();
    const ref = nextRef();
    watcher.send(JSON.stringify([ref, ref, topic, "phx_join", { config: { broadcast: {}, presence: { key: "w", enabled: true }, postgres_changes: [], private: false } }]));
    await watcher.replyTo(ref);
    const secondTrack = nextRef();
    tracker.send(JSON.stringify([trackerJoin.ref, secondTrack, topic, "presence", { type: "presence", event: "track", payload: { name: "t2" } }]));

    await eventually(() => watcher.received.some((message) => Array.isArray(message) && message[3] === "presence_diff"));
    const events = watcher.received.filter((message): message is unknown[] => Array.isArray(message)).map((message) => message[3]);
    expect(events).toEqual(["phx_reply", "presence_state", "presence_diff"]);
    const state = watcher.received[1] as unknown[];
    expect(Object.values(state[4] as Record<string, { metas: { name: string; phx_ref: string }[] }>)[0].metas[0]).toMatchObject({ name: "t", phx_ref: expect.any(String) });
    tracker.close();
    watcher.close();
  });
});

describe("limits", () => {
  it("refuses the 101st channel on one connection", async () => {
    const socket = await openSocket();
    const joins = Array.from({ length: 101 }, (_, index) => joinFrame(`realtime:room-limit-${index}`));
    for (const join of joins) socket.send(join.frame);

    const replies = await Promise.all(joins.map((join) => socket.replyTo(join.ref)));

    expect(replies.slice(0, 100).every((reply) => reply.status === "ok")).toBe(true);
    expect(replies[100]).toMatchObject({ status: "error", response: { reason: expect.stringMatching(/^ChannelRateLimitReached/) } });
    socket.close();
  });

  it("refuses messages over the per-second budget but still answers heartbeats", async () => {
    const { socket, joinRef } = await joinedSocket("realtime:room-flood");

    const refs = Array.from({ length: 1000 }, () => nextRef());
    for (const ref of refs) socket.send(JSON.stringify([joinRef, ref, "realtime:room-flood", "teleport", {}]));

    const replies = await Promise.all(refs.map((ref) => socket.replyTo(ref)));
    expect(replies.some((reply) => String(reply.response.reason).startsWith("RateLimitReached"))).toBe(true);
    expect(await heartbeatAnswers(socket)).toBe(true);
    socket.close();
  });
});

describe("restarting Realtime", () => {
  it("drops clients while stopped and lets them rejoin after start", async () => {
    const client = newClient(standIn);
    const statuses: string[] = [];
    const channel = client.channel(`room-restart-${newCreatorId()}`);
    channel.subscribe((status) => statuses.push(status));
    await eventually(() => statuses.includes("SUBSCRIBED"));
    const received: unknown[] = [];
    channel.on("broadcast", { event: "after-restart" }, (message) => received.push(message.payload));

    standIn.realtime.stop();
    await eventually(() => !client.realtime.isConnected());
    standIn.realtime.start();
    await eventually(() => client.realtime.isConnected() && channel.state === "joined");
    await newClient(standIn).channel(channel.topic.replace(/^realtime:/, "")).httpSend("after-restart", { back: true });

    await eventually(() => received.length > 0);
    expect(received[0]).toEqual({ back: true });
    expect(await subscribe(newClient(standIn).channel("room-after-restart"))).toMatchObject({ status: "SUBSCRIBED" });
  });
});
