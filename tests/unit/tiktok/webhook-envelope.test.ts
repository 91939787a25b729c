import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseWebhook, webhookTopicName } from "../../../src/core/channels/tiktok-shop/webhook-envelope.ts";
import { fixture, signedFixtures } from "../../fixtures/signed-webhooks.ts";

const encode = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const sha256Key = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

const orderStatusBody = {
  type: 1,
  tts_notification_id: "7327112393057191799",
  shop_id: "7494726673780148744",
  timestamp: 1764000000,
  data: { order_id: "576684019603311365", order_status: "AWAITING_SHIPMENT", is_on_hold_order: false, update_time: 1763999990 },
};

describe("parseWebhook", () => {
  it.each(signedFixtures.map((signed) => [signed.file, signed] as const))("parses fixture %s as valid, keyed on its notification id", async (_file, signed) => {
    const parsed = await parseWebhook(signed.rawBody);
    expect(parsed.kind).toBe("valid");
    const body = JSON.parse(new TextDecoder().decode(signed.rawBody)) as { tts_notification_id: string };
    expect(parsed.dedupeKey).toBe(body.tts_notification_id);
  });

  it("normalises the order status and names the topic", async () => {
    const parsed = await parseWebhook(fixture("order-cancel.json").rawBody);
    if (parsed.kind !== "valid" || parsed.envelope.topic !== "order_status_change") throw new Error(`unexpected ${JSON.stringify(parsed)}`);
    expect(parsed.envelope.data.order_status).toBe("CANCELLED");
    expect(parsed.envelope.shop_id).toBe("7494726673780148744");
  });

  it("parses an unknown type code as topic unknown, keeping its data", async () => {
    const parsed = await parseWebhook(fixture("unknown-type.json").rawBody);
    expect(parsed).toMatchObject({ kind: "valid", envelope: { topic: "unknown", type: 999, data: { something: "new" } } });
    expect(webhookTopicName(999)).toBe("UNKNOWN_999");
  });

  it("parses seller deauthorisation (6) and upcoming authorisation expiration (7), whatever their data holds", async () => {
    const deauthorized = await parseWebhook(encode({ type: 6, tts_notification_id: "1", shop_id: "7494726673780148744", timestamp: 1, data: {} }));
    expect(deauthorized).toMatchObject({ kind: "valid", envelope: { topic: "seller_deauthorization", type: 6, shop_id: "7494726673780148744" } });
    const expiring = await parseWebhook(encode({ type: 7, tts_notification_id: "1b", shop_id: "7494726673780148744", timestamp: 1, data: { expire_time: 2, note: "x" } }));
    expect(expiring).toMatchObject({ kind: "valid", envelope: { topic: "upcoming_authorization_expiration", type: 7, data: { expire_time: 2 } } });
  });

  it("parses a known but unmodelled type (product information change) as unknown rather than failing", async () => {
    const parsed = await parseWebhook(encode({ type: 15, tts_notification_id: "1c", shop_id: "7494726673780148744", timestamp: 1, data: {} }));
    expect(parsed).toMatchObject({ kind: "valid", envelope: { topic: "unknown", type: 15 } });
  });

  it("accepts type 24 with seller_open_id instead of shop_id", async () => {
    const parsed = await parseWebhook(encode({ type: 24, tts_notification_id: "2", seller_open_id: "hWaeegAAAABq", timestamp: 1, data: { anything: 1 } }));
    expect(parsed).toMatchObject({ kind: "valid", envelope: { topic: "unknown", seller_open_id: "hWaeegAAAABq" } });
  });

  it("ignores fields TikTok adds later", async () => {
    const parsed = await parseWebhook(encode({ ...orderStatusBody, new_top_level: true, data: { ...orderStatusBody.data, new_field: "x" } }));
    expect(parsed.kind).toBe("valid");
  });

  it("falls back to the sha256 of the raw bytes when there is no notification id", async () => {
    const { tts_notification_id: _dropped, ...withoutId } = orderStatusBody;
    const rawBody = encode(withoutId);
    const parsed = await parseWebhook(rawBody);
    expect(parsed).toMatchObject({ kind: "valid", dedupeKey: sha256Key(rawBody) });
  });

  it.each([
    ["not JSON", encode("{not json"), "not valid JSON"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "not valid UTF-8"],
    ["a JSON array", encode([1, 2]), "invalid envelope"],
    ["no type", encode({ ...orderStatusBody, type: undefined }), "invalid envelope"],
    ["a string type", encode({ ...orderStatusBody, type: "1" }), "invalid envelope"],
    ["no shop", encode({ ...orderStatusBody, shop_id: undefined }), "shop_id or seller_open_id"],
    ["no data", encode({ ...orderStatusBody, data: undefined }), "invalid envelope"],
    ["an empty body", new Uint8Array(), "not valid JSON"],
  ])("reports %s as unprocessable with a reason", async (_case, rawBody, reason) => {
    const parsed = await parseWebhook(rawBody);
    expect(parsed.kind).toBe("unprocessable");
    if (parsed.kind === "unprocessable") expect(parsed.reason).toContain(reason);
  });

  it("reports a known type with bad data as unprocessable, still keyed on its notification id", async () => {
    const parsed = await parseWebhook(encode({ ...orderStatusBody, data: { ...orderStatusBody.data, order_status: "TELEPORTED" } }));
    expect(parsed).toMatchObject({ kind: "unprocessable", dedupeKey: orderStatusBody.tts_notification_id });
    if (parsed.kind === "unprocessable") expect(parsed.reason).toContain("ORDER_STATUS_CHANGE");
  });

  it("rejects an inventory alert whose counts are not whole non-negative numbers", async () => {
    const body = JSON.parse(new TextDecoder().decode(fixture("inventory-low-stock.json").rawBody)) as { data: { inventory_distribution: { total: number } } };
    body.data.inventory_distribution.total = -1;
    await expect(parseWebhook(encode(body))).resolves.toMatchObject({ kind: "unprocessable" });
  });

  it("keys an unparseable body on its sha256, so an exact replay is still a duplicate", async () => {
    const rawBody = encode("garbage");
    const [first, second] = await Promise.all([parseWebhook(rawBody), parseWebhook(rawBody)]);
    expect(first.dedupeKey).toBe(sha256Key(rawBody));
    expect(second.dedupeKey).toBe(first.dedupeKey);
  });
});
