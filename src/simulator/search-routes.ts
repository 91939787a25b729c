// Reading a shop's history, as a backfill or a reconciliation does: POST
// /order/202309/orders/search and POST /product/202309/products/search, paged by
// `page_size` (1-100) and `page_token` in the query, filters in the body. Orders come from
// the world, so an order whose webhooks were dropped is found here with its current status.
import { z } from "zod";
import type { DemoShop } from "./demo-catalogue.ts";
import { parseJson, rejection, RequestRejected } from "./api-protocol.ts";
import { orderDetail } from "./shop-routes.ts";
import { availableOf, formatMinor, type ShopWorld, type SimulatedOrder } from "./shop-world.ts";

const orderStatuses = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED"] as const;
const unixSeconds = z.number().int().nonnegative();

const orderSearchBody = z.object({
  create_time_ge: unixSeconds.optional(),
  create_time_lt: unixSeconds.optional(),
  update_time_ge: unixSeconds.optional(),
  update_time_lt: unixSeconds.optional(),
  order_status: z.enum(orderStatuses).optional(),
});

const productSearchBody = z.object({ status: z.string().optional() });

interface PageCursor {
  /** The sort value and id of the last item served. */
  value: number | string;
  id: string;
  /** What the listing was asked for: a token is only good for the same question. */
  question: string;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(token: string, question: string): PageCursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageCursor;
    if (cursor.question === question && typeof cursor.id === "string") return cursor;
  } catch {
    // refused below
  }
  throw new RequestRejected(rejection.badRequest, "bad_request", "Invalid page_token: it belongs to another search or is malformed.");
}

function pageSizeOf(url: URL): number {
  const pageSize = Number(url.searchParams.get("page_size"));
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new RequestRejected(rejection.badRequest, "bad_request", "page_size must be an integer from 1 to 100.");
  return pageSize;
}

/**
 * One page of `items` (already sorted by `key`, then id, in `direction`) after the page
 * token's cursor; items added or changed meanwhile are found by where their key now falls.
 */
function page<T>(items: T[], key: (item: T) => number | string, idOf: (item: T) => string, direction: 1 | -1, url: URL, question: string) {
  const pageSize = pageSizeOf(url);
  const token = url.searchParams.get("page_token");
  let rest = items;
  if (token !== null && token !== "") {
    const cursor = decodeCursor(token, question);
    const after = (item: T) => {
      const value = key(item);
      if (value !== cursor.value) return (value > cursor.value ? 1 : -1) === direction;
      const id = idOf(item);
      return id !== cursor.id && (id > cursor.id ? 1 : -1) === direction;
    };
    rest = items.filter(after);
  }
  const served = rest.slice(0, pageSize);
  const last = served.at(-1);
  const nextPageToken = rest.length > pageSize && last !== undefined ? encodeCursor({ value: key(last), id: idOf(last), question }) : "";
  return { served, nextPageToken };
}

function compareBy<T>(key: (item: T) => number | string, idOf: (item: T) => string, direction: 1 | -1) {
  return (a: T, b: T) => {
    const [ka, kb] = [key(a), key(b)];
    if (ka !== kb) return (ka > kb ? 1 : -1) * direction;
    return (idOf(a) > idOf(b) ? 1 : idOf(a) < idOf(b) ? -1 : 0) * direction;
  };
}

function searchOrders(world: ShopWorld, url: URL, body: string, shop: DemoShop) {
  const filter = parseJson(body === "" ? "{}" : body, orderSearchBody);
  const sortField = url.searchParams.get("sort_field") ?? "create_time";
  const sortOrder = url.searchParams.get("sort_order") ?? "DESC";
  if (sortField !== "create_time" && sortField !== "update_time") throw new RequestRejected(rejection.badRequest, "bad_request", "sort_field must be create_time or update_time.");
  if (sortOrder !== "ASC" && sortOrder !== "DESC") throw new RequestRejected(rejection.badRequest, "bad_request", "sort_order must be ASC or DESC.");
  const within = (value: number, ge: number | undefined, lt: number | undefined) => (ge === undefined || value >= ge) && (lt === undefined || value < lt);
  const key = (order: SimulatedOrder) => (sortField === "create_time" ? order.createTime : order.updateTime);
  const idOf = (order: SimulatedOrder) => order.orderId;
  const direction = sortOrder === "ASC" ? 1 : -1;
  const matching = [...world.orders.values()]
    .filter(
      (order) =>
        order.shop.shopId === shop.shopId &&
        within(order.createTime, filter.create_time_ge, filter.create_time_lt) &&
        within(order.updateTime, filter.update_time_ge, filter.update_time_lt) &&
        (filter.order_status === undefined || order.status === filter.order_status),
    )
    .sort(compareBy(key, idOf, direction));
  const { served, nextPageToken } = page(matching, key, idOf, direction, url, JSON.stringify(["orders", shop.shopId, filter, sortField, sortOrder]));
  return { orders: served.map(orderDetail), next_page_token: nextPageToken, total_count: matching.length };
}

function searchProducts(world: ShopWorld, url: URL, body: string, shop: DemoShop) {
  const filter = parseJson(body === "" ? "{}" : body, productSearchBody);
  const byProduct = new Map<string, DemoShop["skus"]>();
  for (const sku of shop.skus) byProduct.set(sku.productId, [...(byProduct.get(sku.productId) ?? []), sku]);
  // Every simulated product is live; a search for any other status finds nothing.
  const products = filter.status === undefined || filter.status === "ALL" || filter.status === "ACTIVATE" ? [...byProduct].sort(([a], [b]) => (a < b ? -1 : 1)) : [];
  const key = ([productId]: (typeof products)[number]) => productId;
  const { served, nextPageToken } = page(products, key, key, 1, url, JSON.stringify(["products", shop.shopId, filter]));
  return {
    products: served.map(([productId, skus]) => ({
      id: productId,
      title: skus[0]?.productName ?? "",
      status: "ACTIVATE",
      sales_regions: [shop.region],
      skus: skus.map((sku) => {
        const stock = world.stockBySku.get(sku.skuId);
        return {
          id: sku.skuId,
          seller_sku: sku.sellerSku,
          price: { currency: shop.currency, tax_exclusive_price: formatMinor(sku.priceMinor), sale_price: formatMinor(sku.priceMinor) },
          inventory: [{ warehouse_id: shop.warehouseId, quantity: stock === undefined ? 0 : availableOf(stock) }],
        };
      }),
    })),
    next_page_token: nextPageToken,
    total_count: products.length,
  };
}

/** The `data` of a search, or undefined when the path is not one. */
export function searchRoute(world: ShopWorld, method: string, url: URL, body: string, shop: DemoShop): unknown {
  if (method === "POST" && url.pathname === "/order/202309/orders/search") return searchOrders(world, url, body, shop);
  if (method === "POST" && url.pathname === "/product/202309/products/search") return searchProducts(world, url, body, shop);
  return undefined;
}
