// The checks every state-changing route passes through before its handler (src/server/auth/write-guard.ts).
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/server/auth/api-error.ts";
import { findUnstorableString } from "../../../src/core/storable-text.ts";
import { guardWrite, MAX_WRITE_BODY_BYTES, readJsonBody } from "../../../src/server/auth/write-guard.ts";

const APP = "http://127.0.0.1:3000";

// Next.js builds request.url from the hostname it was started with, not from what the browser
// addressed: the URL says localhost while the Host header says 127.0.0.1:3000.
function post(headers: Record<string, string>, body?: BodyInit): Request {
  return new Request("http://localhost:3000/api/inventory/sku-1/adjust", { method: "POST", headers: { host: "127.0.0.1:3000", ...headers }, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
}

function refusal(run: () => unknown): { code: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, message: error.message };
    throw error;
  }
  return undefined;
}

describe("guardWrite", () => {
  it("lets a same-origin JSON write through", () => {
    expect(refusal(() => guardWrite(post({ origin: APP, "sec-fetch-site": "same-origin", "content-type": "application/json" }, "{}")))).toBeUndefined();
    expect(refusal(() => guardWrite(post({ "content-type": "application/json; charset=utf-8" }, "{}")))).toBeUndefined();
  });

  it("lets a body-less action from the app's own page through", () => {
    expect(refusal(() => guardWrite(post({ origin: APP, "sec-fetch-site": "same-origin" })))).toBeUndefined();
  });

  it("refuses a write from another site, or from a same-site page on another origin", () => {
    const forbidden = { code: "forbidden", message: "Changes must come from this app's own pages" };
    expect(refusal(() => guardWrite(post({ origin: "https://evil.example", "content-type": "application/json" }, "{}")))).toEqual(forbidden);
    expect(refusal(() => guardWrite(post({ origin: "http://127.0.0.1:4000", "sec-fetch-site": "same-site", "content-type": "application/json" }, "{}")))).toEqual(forbidden);
    expect(refusal(() => guardWrite(post({ "sec-fetch-site": "cross-site" })))).toEqual(forbidden);
  });

  it("refuses a form encoding or text/plain, which other sites can send without asking", () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"]) {
      expect(refusal(() => guardWrite(post({ origin: APP, "content-type": contentType }, "x")))?.code, contentType).toBe("unsupported_media_type");
    }
    expect(refusal(() => guardWrite(post({ origin: APP }, "{}")))?.code).toBe("unsupported_media_type");
  });

  it("refuses a declared body over the limit before reading it", () => {
    const big = post({ origin: APP, "content-type": "application/json", "content-length": String(MAX_WRITE_BODY_BYTES + 1) });
    expect(refusal(() => guardWrite(big))).toEqual({ code: "payload_too_large", message: `The body may be at most ${MAX_WRITE_BODY_BYTES} bytes` });
  });

  it("compares the origin with the host a proxy in front names", () => {
    const behindProxy = { host: "10.0.0.5:3000", "x-forwarded-host": "app.creatorflow.example", "content-type": "application/json" };
    expect(refusal(() => guardWrite(post({ ...behindProxy, origin: "https://app.creatorflow.example" }, "{}")))).toBeUndefined();
    expect(refusal(() => guardWrite(post({ ...behindProxy, origin: "http://10.0.0.5:3000" }, "{}")))?.code).toBe("forbidden");
  });

  it("leaves reads alone", () => {
    const read = new Request(`${APP}/api/dashboard`, { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expect(refusal(() => guardWrite(read))).toBeUndefined();
  });
});

describe("readJsonBody", () => {
  it("reads a JSON body and answers undefined for one that is not JSON", async () => {
    expect(await readJsonBody(post({ "content-type": "application/json" }, '{"newTotal":4}'))).toEqual({ newTotal: 4 });
    expect(await readJsonBody(post({ "content-type": "application/json" }, "{not json"))).toBeUndefined();
  });

  it("stops reading a streamed body at the limit", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(4096));
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    await expect(readJsonBody(post({ "content-type": "application/json" }, endless))).rejects.toMatchObject({ code: "payload_too_large" });
    expect(sent * chunk.byteLength).toBeLessThanOrEqual(MAX_WRITE_BODY_BYTES + 2 * chunk.byteLength);
  });

  it("refuses a NUL or a lone surrogate, naming the field", async () => {
    await expect(readJsonBody(post({ "content-type": "application/json" }, '{"newTotal":3,"reason":"restock\\u0000"}'))).rejects.toMatchObject({
      code: "bad_request",
      message: 'Field "reason" contains a NUL character',
    });
    await expect(readJsonBody(post({ "content-type": "application/json" }, '{"items":[{"note":"ok"},{"note":"\\ud800"}]}'))).rejects.toMatchObject({
      message: 'Field "items.1.note" contains an unpaired surrogate (not valid Unicode)',
    });
  });

  it("accepts paired surrogates (emoji) and names a bad key as well", () => {
    expect(findUnstorableString({ reason: "restock 📦" }, [])).toBeUndefined();
    expect(findUnstorableString({ "bad\u0000key": 1 }, [])).toEqual({ field: String.raw`"bad\u0000key"`, problem: "contains a NUL character" });
  });
});
