// The offline queue of stock adjustments, shared by the dashboard and the service worker:
// what it keeps, what it sends, and what it keeps of the answers, on an in-memory IndexedDB.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import type { AdjustmentResponse } from "../../../src/lib/dashboard/dashboard-api.ts";
import { queueAdjustment, queuedAdjustments, sendQueuedAdjustments, takeSentAdjustments, type QueuedAdjustment } from "../../../src/lib/offline/adjustment-queue.ts";
import { clearDeviceData } from "../../../src/lib/offline/device-storage.ts";

const CREATOR = "00000000-0000-4000-8000-000000000001";
const OTHER_CREATOR = "00000000-0000-4000-8000-000000000002";

afterEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

let minute = 0;
function adjustment(overrides: Partial<QueuedAdjustment> & { skuId: string }): QueuedAdjustment {
  minute += 1;
  return { creatorId: CREATOR, newTotal: 10, expectedVersion: 3, commandId: crypto.randomUUID(), queuedAt: new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString(), ...overrides };
}

const saved = (total: number): AdjustmentResponse => ({ ok: true, total, reserved: 0, available: total, version: 4 });
const refused = (status: number): AdjustmentResponse => ({ ok: false, status, code: "refused", message: `answered ${status}` });

describe("offline adjustment queue", () => {
  it("keeps one adjustment per SKU and creator: a later one replaces the one still waiting", async () => {
    const first = adjustment({ skuId: "1001", newTotal: 5 });
    const later = adjustment({ skuId: "1001", newTotal: 7 });
    const otherSku = adjustment({ skuId: "1002" });
    const otherCreator = adjustment({ skuId: "1001", creatorId: OTHER_CREATOR });
    for (const one of [first, later, otherSku, otherCreator]) await queueAdjustment(one);

    expect(await queuedAdjustments(CREATOR)).toEqual([later, otherSku]);
    expect(await queuedAdjustments()).toEqual([later, otherSku, otherCreator]);
  });

  it("sends oldest first, as each was made, and keeps every answer (a 412 too) until a dashboard takes it, once", async () => {
    const first = adjustment({ skuId: "1001", newTotal: 60 });
    const second = adjustment({ skuId: "1002", newTotal: 9 });
    // Stored out of order: the queue sends by when each was made.
    await queueAdjustment(second);
    await queueAdjustment(first);
    let clock = Date.UTC(2026, 11, 1, 12);
    const sentRequests: QueuedAdjustment[] = [];
    const conflict: AdjustmentResponse = { ok: false, status: 412, code: "version_conflict", message: "changed meanwhile", current: { total: 15, reserved: 0, available: 15, version: 8 } };

    const result = await sendQueuedAdjustments({ post: async (one) => (sentRequests.push(one), one.skuId === "1001" ? saved(60) : conflict), now: () => new Date((clock += 1_000)) });

    expect(sentRequests).toEqual([first, second]);
    expect(result.unreachable).toBe(false);
    expect(await queuedAdjustments()).toEqual([]);
    const taken = await takeSentAdjustments(CREATOR);
    expect(taken.map(({ commandId, answer }) => ({ commandId, answer }))).toEqual([
      { commandId: first.commandId, answer: saved(60) },
      { commandId: second.commandId, answer: conflict },
    ]);
    expect(await takeSentAdjustments(CREATOR)).toEqual([]);
  });

  it("stops at the first adjustment the server cannot be reached for, keeping it and the rest", async () => {
    const first = adjustment({ skuId: "1001" });
    const second = adjustment({ skuId: "1002" });
    await queueAdjustment(first);
    await queueAdjustment(second);
    let calls = 0;

    const result = await sendQueuedAdjustments({ post: async () => (calls++, refused(0)) });

    expect(calls).toBe(1);
    expect(result).toMatchObject({ unreachable: true, sent: [], kept: [first] });
    expect(await queuedAdjustments()).toEqual([first, second]);
    expect(await takeSentAdjustments(CREATOR)).toEqual([]);
  });

  it("keeps an adjustment a session may not send (401, 403: another account's) and goes on with the others", async () => {
    const notThisSession = adjustment({ skuId: "1001", creatorId: OTHER_CREATOR });
    const mine = adjustment({ skuId: "1002" });
    await queueAdjustment(notThisSession);
    await queueAdjustment(mine);

    const result = await sendQueuedAdjustments({ post: async (one) => (one.creatorId === OTHER_CREATOR ? refused(403) : saved(10)) });

    expect(result.kept).toEqual([notThisSession]);
    expect(result.sent.map((one) => one.commandId)).toEqual([mine.commandId]);
    expect(await queuedAdjustments()).toEqual([notThisSession]);
    expect(await takeSentAdjustments(OTHER_CREATOR)).toEqual([]);
  });

  it("sends only the named creator's adjustments when a dashboard sends", async () => {
    const mine = adjustment({ skuId: "1001" });
    const theirs = adjustment({ skuId: "1001", creatorId: OTHER_CREATOR });
    await queueAdjustment(mine);
    await queueAdjustment(theirs);
    const sentFor: string[] = [];

    await sendQueuedAdjustments({ creatorId: CREATOR, post: async (one) => (sentFor.push(one.creatorId), saved(10)) });

    expect(sentFor).toEqual([CREATOR]);
    expect(await queuedAdjustments()).toEqual([theirs]);
  });

  it("keeps nothing, queued or answered, once sign-out has cleared the device", async () => {
    await queueAdjustment(adjustment({ skuId: "1001" }));
    await sendQueuedAdjustments({ post: async () => saved(10) });
    await queueAdjustment(adjustment({ skuId: "1002" }));

    await clearDeviceData();

    expect(await queuedAdjustments()).toEqual([]);
    expect(await takeSentAdjustments(CREATOR)).toEqual([]);
  });
});
