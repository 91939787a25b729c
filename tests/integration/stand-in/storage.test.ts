// The local stand-in's Supabase Storage, driven by the real supabase-js client: private
// buckets, uploads and downloads for the service role, and nothing for anyone else.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newClient, startTestStandIn } from "./stand-in-harness.ts";
import { uniqueId } from "../../test-data.ts";

const storageDir = mkdtempSync(path.join(os.tmpdir(), "stand-in-storage-"));
afterAll(() => rmSync(storageDir, { recursive: true, force: true }));
const standIn = await startTestStandIn({ storageDir });
const service = () => newClient(standIn, { key: standIn.serviceRoleKey }).storage;

describe("Storage stand-in", () => {
  it("keeps an uploaded object and gives back the same bytes", async () => {
    const bucket = uniqueId("b");
    expect((await service().createBucket(bucket, { public: false })).error).toBeNull();
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10]);

    const uploaded = await service().from(bucket).upload("folder/data.bin", bytes, { contentType: "application/octet-stream" });
    const downloaded = await service().from(bucket).download("folder/data.bin");

    expect(uploaded.error).toBeNull();
    expect(uploaded.data?.fullPath).toBe(`${bucket}/folder/data.bin`);
    expect([...new Uint8Array(await downloaded.data!.arrayBuffer())]).toEqual([...bytes]);
    expect((await service().getBucket(bucket)).data).toMatchObject({ name: bucket, public: false });
  });

  it("refuses to overwrite without upsert, and reports a missing object and a missing bucket", async () => {
    const bucket = uniqueId("b");
    await service().createBucket(bucket);
    await service().from(bucket).upload("a.txt", new TextEncoder().encode("first"));

    const again = await service().from(bucket).upload("a.txt", new TextEncoder().encode("second"));
    const missing = await service().from(bucket).download("nothing-here.txt");
    const noBucket = await service().getBucket(uniqueId("none"));

    expect(again.error?.message).toBe("The resource already exists");
    expect(await (await service().from(bucket).download("a.txt")).data!.text()).toBe("first");
    expect(missing.error).not.toBeNull();
    expect(noBucket.error?.message).toBe("Bucket not found");
  });

  it("serves nobody but the service role, and no key climbs out of its bucket", async () => {
    const bucket = uniqueId("b");
    await service().createBucket(bucket);
    await service().from(bucket).upload("secret.txt", new TextEncoder().encode("x"));

    const asAnon = await newClient(standIn).storage.from(bucket).download("secret.txt");
    const climbing = await service().from(bucket).upload("../escape.txt", new TextEncoder().encode("x"));

    expect(asAnon.error).not.toBeNull();
    expect(asAnon.data).toBeNull();
    expect(climbing.error).not.toBeNull();
  });
});
