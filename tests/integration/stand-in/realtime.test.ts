// Realtime of the local stand-in, driven by the real supabase-js client: private topics
// authorized by the migration's RLS policies, database broadcasts, client broadcasts,
// presence, the REST endpoints and the vsn 1.0.0 protocol.
import type { RealtimeChannel } from "@supabase/supabase-js";
import { describe, expect, it } from "vitest";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { eventually, newClient, seedUser, signedInClient, startTestStandIn, subscribe } from "./stand-in-harness.ts";

const sql = connectTestDatabase();
const standIn = await startTestStandIn();

type Received = { event: string; payload: Record<string, unknown> };

function collectBroadcasts(channel: RealtimeChannel, event = "*"): Received[] {
  const received: Received[] = [];
  channel.on("broadcast", { event }, (message) => received.push({ event: message.event, payload: message.payload }));
  return received;
}


/** A creator signed in with a real client, subscribed to its private topic; what it receives (of `event`, or every broadcast). */
async function subscribedCreator(creatorId: string, event?: string) {
  const client = await signedInClient(standIn, await seedUser(sql, { role: "creator", creator_id: creatorId }));
  const channel = client.channel(`creator:${creatorId}`, { config: { private: true } });
  const received = collectBroadcasts(channel, event);
  expect((await subscribe(channel)).status).toBe("SUBSCRIBED");
  return { client, received };
}
describe("private creator topics", () => {
  it("lets a creator join its own topic", async () => {
    const creatorId = newCreatorId();
    const client = await signedInClient(standIn, await seedUser(sql, { role: "creator", creator_id: creatorId }));

    const outcome = await subscribe(client.channel(`creator:${creatorId}`, { config: { private: true } }));

    expect(outcome.status).toBe("SUBSCRIBED");
  });

  it("refuses another creator's topic with CHANNEL_ERROR", async () => {
    const client = await signedInClient(standIn, await seedUser(sql, { role: "creator", creator_id: newCreatorId() }));

    const outcome = await subscribe(client.channel(`creator:${newCreatorId()}`, { config: { private: true } }));

    expect(outcome.status).toBe("CHANNEL_ERROR");
    expect(outcome.error?.message).toMatch(/Unauthorized: You do not have permissions to read from this Channel topic: creator:/);
  });

  it("refuses a private topic to the anon key", async () => {
    const outcome = await subscribe(newClient(standIn).channel(`creator:${newCreatorId()}`, { config: { private: true } }));
    expect(outcome.status).toBe("CHANNEL_ERROR");
  });

  it("lets an admin join any creator's topic", async () => {
    const admin = await signedInClient(standIn, await seedUser(sql, { role: "admin", creator_id: null }));

    const outcome = await subscribe(admin.channel(`creator:${newCreatorId()}`, { config: { private: true } }));

    expect(outcome.status).toBe("SUBSCRIBED");
  });

  it("delivers a row written by realtime.send() to the subscribed creator only", async () => {
    const creatorId = newCreatorId();
    const otherCreatorId = newCreatorId();
    const { received } = await subscribedCreator(creatorId, "dashboard_delta");

    await sql`select realtime.send(${sql.json({ seq: 0, revenue: 0 })}, 'dashboard_delta', ${`creator:${otherCreatorId}`}, true)`;
    await sql`select realtime.send(${sql.json({ seq: 1, revenue: 4200 })}, 'dashboard_delta', ${`creator:${creatorId}`}, true)`;

    const [delivered] = await eventually(() => (received.length > 0 ? received : undefined));
    expect(delivered.payload).toMatchObject({ seq: 1, revenue: 4200 });
    expect(typeof delivered.payload.id).toBe("string");
    expect(received).toHaveLength(1);
  });

  it("keeps public and private broadcasts of the same topic apart", async () => {
    const creatorId = newCreatorId();
    const { received } = await subscribedCreator(creatorId);

    await sql`select realtime.send(${sql.json({ n: "public" })}, 'note', ${`creator:${creatorId}`}, false)`;
    await sql`select realtime.send(${sql.json({ n: "private" })}, 'note', ${`creator:${creatorId}`}, true)`;

    await eventually(() => received.length > 0);
    expect(received.map((message) => message.payload.n)).toEqual(["private"]);
  });

  it("accepts a refreshed access token on a joined channel", async () => {
    const creatorId = newCreatorId();
    const { client, received } = await subscribedCreator(creatorId);

    const { error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    await sql`select realtime.send(${sql.json({ after: "refresh" })}, 'note', ${`creator:${creatorId}`}, true)`;

    await eventually(() => received.length > 0);
    expect(received[0].payload).toMatchObject({ after: "refresh" });
  });
});

describe("broadcast between clients", () => {
  it("excludes the sender when self is off and includes it when self is on", async () => {
    const topic = `room-${newCreatorId()}`;
    const quiet = newClient(standIn).channel(topic, { config: { broadcast: { self: false } } });
    const echoing = newClient(standIn).channel(topic, { config: { broadcast: { self: true } } });
    const quietReceived = collectBroadcasts(quiet);
    const echoingReceived = collectBroadcasts(echoing);
    expect((await subscribe(quiet)).status).toBe("SUBSCRIBED");
    expect((await subscribe(echoing)).status).toBe("SUBSCRIBED");

    await quiet.send({ type: "broadcast", event: "from-quiet", payload: { n: 1 } });
    await eventually(() => echoingReceived.some((message) => message.event === "from-quiet"));
    await echoing.send({ type: "broadcast", event: "from-echoing", payload: { n: 2 } });
    await eventually(() => quietReceived.some((message) => message.event === "from-echoing"));
    await eventually(() => echoingReceived.some((message) => message.event === "from-echoing"));

    // The server delivers each message to every subscriber before it reads the next one,
    // so by the time the second message arrived the quiet sender would have had its own.
    expect(quietReceived.map((message) => message.event)).toEqual(["from-echoing"]);
    expect(echoingReceived.map((message) => message.event)).toEqual(["from-quiet", "from-echoing"]);
    expect(echoingReceived[0].payload).toEqual({ n: 1 });
  });

  it("acknowledges a broadcast when ack is on", async () => {
    const channel = newClient(standIn).channel(`room-${newCreatorId()}`, { config: { broadcast: { ack: true } } });
    expect((await subscribe(channel)).status).toBe("SUBSCRIBED");

    const result = await channel.send({ type: "broadcast", event: "acked", payload: { ok: true } });

    expect(result).toBe("ok");
  });

  it("carries binary payloads in binary frames both ways", async () => {
    const topic = `room-${newCreatorId()}`;
    const sender = newClient(standIn).channel(topic);
    const listener = newClient(standIn).channel(topic);
    const received: unknown[] = [];
    listener.on("broadcast", { event: "bytes" }, (message) => received.push(message.payload));
    expect((await subscribe(sender)).status).toBe("SUBSCRIBED");
    expect((await subscribe(listener)).status).toBe("SUBSCRIBED");

    await sender.send({ type: "broadcast", event: "bytes", payload: new Uint8Array([1, 2, 3, 250]).buffer });

    const [bytes] = await eventually(() => (received.length > 0 ? received : undefined));
    expect(bytes).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 3, 250]);
  });

  it("refuses a creator's broadcast into its own private topic, so no one can fake a delta an admin sees", async () => {
    const creatorId = newCreatorId();
    const user = await seedUser(sql, { role: "creator", creator_id: creatorId });
    const sender = (await signedInClient(standIn, user)).channel(`creator:${creatorId}`, { config: { private: true, broadcast: { ack: true } } });
    expect((await subscribe(sender)).status).toBe("SUBSCRIBED");

    const answer = await sender.send({ type: "broadcast", event: "dashboard_delta", payload: { revenue: 1 } });

    expect(answer).toBe("error");
  });
});

describe("REST broadcast", () => {
  it("answers 202 to httpSend and delivers to subscribers", async () => {
    const topic = `room-${newCreatorId()}`;
    const listener = newClient(standIn).channel(topic);
    const received = collectBroadcasts(listener);
    expect((await subscribe(listener)).status).toBe("SUBSCRIBED");

    const result = await newClient(standIn).channel(topic).httpSend("rest-event", { via: "httpSend" });

    expect(result).toEqual({ success: true });
    await eventually(() => received.length > 0);
    expect(received[0]).toEqual({ event: "rest-event", payload: { via: "httpSend" } });
  });

  it("delivers the batch endpoint's private messages when the service role sends them", async () => {
    const creatorId = newCreatorId();
    const { client, received } = await subscribedCreator(creatorId);

    const response = await fetch(`${standIn.url}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: { apikey: standIn.serviceRoleKey, authorization: `Bearer ${standIn.serviceRoleKey}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ topic: `creator:${creatorId}`, event: "server-note", payload: { from: "server" }, private: true }] }),
    });

    expect(response.status).toBe(202);
    await eventually(() => received.length > 0);
    expect(received[0]).toEqual({ event: "server-note", payload: { from: "server" } });
  });

  it("refuses a private httpSend to a topic the caller may not write", async () => {
    const client = await signedInClient(standIn, await seedUser(sql, { role: "creator", creator_id: newCreatorId() }));
    await client.realtime.setAuth((await client.auth.getSession()).data.session!.access_token);

    const attempt = client.channel(`creator:${newCreatorId()}`, { config: { private: true } }).httpSend("intrusion", { x: 1 });

    await expect(attempt).rejects.toThrow(/Unauthorized/);
  });
});

describe("presence", () => {
  it("sends the state first, then joins and leaves as diffs", async () => {
    const topic = `room-${newCreatorId()}`;
    const alice = newClient(standIn).channel(topic, { config: { presence: { key: "alice" } } });
    const bob = newClient(standIn).channel(topic, { config: { presence: { key: "bob" } } });
    const bobSeen: { event: string; key?: string }[] = [];
    alice.on("presence", { event: "sync" }, () => {});
    bob
      .on("presence", { event: "sync" }, () => bobSeen.push({ event: "sync" }))
      .on("presence", { event: "join" }, ({ key }) => bobSeen.push({ event: "join", key }))
      .on("presence", { event: "leave" }, ({ key }) => bobSeen.push({ event: "leave", key }));

    expect((await subscribe(alice)).status).toBe("SUBSCRIBED");
    expect(await alice.track({ status: "watching" })).toBe("ok");
    expect((await subscribe(bob)).status).toBe("SUBSCRIBED");

    await eventually(() => bob.presenceState().alice);
    expect(bob.presenceState().alice[0]).toMatchObject({ status: "watching" });
    // The client turns the initial presence_state into joins followed by one sync.
    expect(bobSeen.slice(0, 2)).toEqual([{ event: "join", key: "alice" }, { event: "sync" }]);

    expect(await bob.track({ status: "editing" })).toBe("ok");
    await eventually(() => alice.presenceState().bob);
    expect(alice.presenceState().bob[0]).toMatchObject({ status: "editing" });

    await alice.untrack();
    await eventually(() => bobSeen.some((entry) => entry.event === "leave" && entry.key === "alice"));
    expect(bob.presenceState().alice).toBeUndefined();
    expect(Object.keys(bob.presenceState())).toEqual(["bob"]);
  });

  it("drops a client's presence when it leaves the channel", async () => {
    const topic = `room-${newCreatorId()}`;
    const watcher = newClient(standIn).channel(topic, { config: { presence: { key: "watcher" } } });
    watcher.on("presence", { event: "sync" }, () => {});
    const visitorClient = newClient(standIn);
    const visitor = visitorClient.channel(topic, { config: { presence: { key: "visitor" } } });
    expect((await subscribe(watcher)).status).toBe("SUBSCRIBED");
    expect((await subscribe(visitor)).status).toBe("SUBSCRIBED");
    await visitor.track({ here: true });
    await eventually(() => watcher.presenceState().visitor);

    await visitorClient.removeChannel(visitor);

    await eventually(() => watcher.presenceState().visitor === undefined);
  });
});

describe("protocol version 1.0.0", () => {
  it("joins, broadcasts and receives database broadcasts with JSON object frames", async () => {
    const creatorId = newCreatorId();
    const user = await seedUser(sql, { role: "creator", creator_id: creatorId });
    const legacy = await signedInClient(standIn, user, { vsn: "1.0.0" });
    const modern = await signedInClient(standIn, user);
    // A public topic: no creator may publish into a private one (see "refuses a creator's broadcast").
    const topic = `room-${creatorId}`;
    const legacyChannel = legacy.channel(topic);
    const modernChannel = modern.channel(topic);
    const legacyReceived = collectBroadcasts(legacyChannel);
    const modernReceived = collectBroadcasts(modernChannel);
    expect((await subscribe(legacyChannel)).status).toBe("SUBSCRIBED");
    expect((await subscribe(modernChannel)).status).toBe("SUBSCRIBED");

    await legacyChannel.send({ type: "broadcast", event: "from-legacy", payload: { v: 1 } });
    await modernChannel.send({ type: "broadcast", event: "from-modern", payload: { v: 2 } });
    await sql`select realtime.send(${sql.json({ v: 3 })}, 'from-database', ${topic}, false)`;

    await eventually(() => legacyReceived.length === 2);
    await eventually(() => modernReceived.length === 2);
    expect(legacyReceived.map((message) => message.event)).toEqual(["from-modern", "from-database"]);
    expect(modernReceived.map((message) => message.event)).toEqual(["from-legacy", "from-database"]);
    expect(legacy.realtime.vsn).toBe("1.0.0");
  });
});
