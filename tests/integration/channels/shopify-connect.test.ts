// Connecting a Shopify store with Shopify's authorization code grant, against the simulated
// store over HTTP and real Postgres: consent, the signed redirect, the code exchange, the
// token sealed, the store's location and SKUs linked; and the ways a callback is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShopifyChannel } from "../../../src/core/channels/shopify/channel-adapter.ts";
import { completeShopifyConnection, startShopifyConnection, type ShopifyConnectionDependencies } from "../../../src/core/channels/shopify/store-connection.ts";
import { generateTokenEncryptionKey } from "../../../src/core/shops/token-encryption.ts";
import { startShopifySimulator, type ShopifySimulator } from "../../../src/simulator/shopify/shopify-simulator.ts";
import { connectTestDatabase, newCreatorId } from "../database.ts";
import { uniqueId } from "../../test-data.ts";

const sql = connectTestDatabase();
const shopDomain = `${uniqueId("connect-").toLowerCase().replace(/[^a-z0-9-]/g, "")}.myshopify.com`;
const app = { clientId: "connect-client", clientSecret: "connect_secret" };
let store: ShopifySimulator;
let deps: ShopifyConnectionDependencies;

beforeAll(async () => {
  store = await startShopifySimulator({ shopDomain, ...app });
  for (const sku of ["CONNECT-A", "CONNECT-B", "CONNECT-C"]) store.list(sku, 4);
  deps = {
    sql,
    channel: createShopifyChannel({ ...app, apiBaseUrl: store.url }),
    apiBaseUrl: store.url,
    tokenEncryptionKey: generateTokenEncryptionKey(),
    redirectUri: "http://app.test/api/shopify/callback",
    now: () => new Date(),
  };
});
afterAll(() => store.close());

const newUser = () => ({ userId: crypto.randomUUID(), creatorId: newCreatorId(), sessionId: crypto.randomUUID() });

/** The creator's trip to Shopify's consent page and back: the query Shopify redirects with. */
async function consent(user: ReturnType<typeof newUser>): Promise<URLSearchParams> {
  const started = await startShopifyConnection(deps, user, shopDomain.toUpperCase());
  if (!started.ok) throw new Error(started.reason);
  expect(started.url).toContain(`client_id=${app.clientId}`);
  expect(started.url).toContain("scope=read_orders%2Cwrite_orders%2Cread_inventory%2Cwrite_inventory");
  const answer = await fetch(started.url, { redirect: "manual" });
  const back = new URL(answer.headers.get("location")!);
  expect(`${back.origin}${back.pathname}`).toBe(deps.redirectUri);
  return back.searchParams;
}

describe("connecting a Shopify store", () => {
  it("links the store to the creator with its token sealed, its location, and every SKU'd variant's inventory item", async () => {
    const user = newUser();
    const outcome = await completeShopifyConnection(deps, user, await consent(user));
    expect(outcome).toEqual({ outcome: "connected", shopDomain, linkedSkus: 3 });
    const [row] = await sql<{ creator_id: string; access_token_sealed: string; location_id: string; connection_status: string }[]>`
      select creator_id, access_token_sealed, location_id, connection_status from shopify_shops where shop_domain = ${shopDomain}`;
    expect(row).toMatchObject({ creator_id: user.creatorId, location_id: store.locationId, connection_status: "connected" });
    expect(row.access_token_sealed).toMatch(/^v1\./);
    expect(row.access_token_sealed).not.toContain("shpat_");
    const items = await sql<{ sku_id: string }[]>`select sku_id from shopify_inventory_items where shop_domain = ${shopDomain} order by sku_id`;
    expect(items.map((item) => item.sku_id)).toEqual(["CONNECT-A", "CONNECT-B", "CONNECT-C"]);
    const events = await sql`select event_type from event_store where aggregate_id = ${`shop-shopify-${shopDomain}`}`;
    expect(events.map((event) => event.event_type)).toEqual(["shop.channel_connected"]);

    // The same store for another creator is refused, and stays the first creator's.
    const other = newUser();
    expect(await completeShopifyConnection(deps, other, await consent(other))).toEqual({ outcome: "failed", reason: "store_of_another_creator" });
    const [owner] = await sql`select creator_id from shopify_shops where shop_domain = ${shopDomain}`;
    expect(owner.creator_id).toBe(user.creatorId);
  });

  it("refuses a redirect whose query was changed after Shopify signed it, and a state used twice", async () => {
    const user = newUser();
    const query = await consent(user);
    const tampered = new URLSearchParams(query);
    tampered.set("shop", "someone-else.myshopify.com");
    expect(await completeShopifyConnection(deps, user, tampered)).toEqual({ outcome: "failed", reason: "not_from_shopify" });
    expect(await sql`select 1 from shopify_shops where shop_domain = 'someone-else.myshopify.com'`).toHaveLength(0);
    expect(await completeShopifyConnection(deps, user, query)).toEqual({ outcome: "failed", reason: "invalid_state" });
  });

  it("refuses to start for anything but a myshopify.com domain, and a callback without a code", async () => {
    expect(await startShopifyConnection(deps, newUser(), "https://evil.example.com")).toEqual({ ok: false, reason: "invalid_shop" });
    expect(await completeShopifyConnection(deps, newUser(), new URLSearchParams({ error: "access_denied" }))).toEqual({ outcome: "failed", reason: "denied" });
  });
});
