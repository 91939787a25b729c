import { describe, expect, it } from "vitest";
import { usesTransactionPooler } from "../../../src/core/database-url.ts";

describe("usesTransactionPooler", () => {
  it("recognises Supavisor's transaction-mode port and nothing else", () => {
    expect(usesTransactionPooler("postgresql://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres")).toBe(true);
    expect(usesTransactionPooler("postgresql://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres")).toBe(false);
    // A password or path that merely contains the digits is not the port.
    expect(usesTransactionPooler("postgresql://postgres:pw:6543@127.0.0.1:54322/db6543")).toBe(false);
    expect(usesTransactionPooler("not a url")).toBe(false);
  });
});
