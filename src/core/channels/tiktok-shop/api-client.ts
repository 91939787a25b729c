// A fetch-based TikTok Shop API client (API version 202309). Every request is signed;
// responses are checked with zod before anyone trusts them; failures are typed so callers
// can tell "retry later" from "refresh the token" from "fix the credentials".
import type { z } from "zod";
import type { OrderItem } from "../../orders/events.ts";
import { redactCredentials, TikTokShopApiError } from "./api-errors.ts";
import { fetchTikTok, unwrapTikTokAnswer, type TikTokShopResult } from "./api-response.ts";
import {
  authorizedShopsDataSchema,
  inventorySearchDataSchema,
  inventoryUpdateDataSchema,
  orderDetailDataSchema,
  orderSearchDataSchema,
  productSearchDataSchema,
  shipPackageDataSchema,
  type orderLineItemSchema,
  type TikTokAuthorizedShop,
  type TikTokInventorySearchResult,
  type TikTokOrderDetail,
  type TikTokProduct,
} from "./api-schemas.ts";
import { signApiRequest } from "./api-signature.ts";

export { errorKindFor, TikTokShopApiError, type RateLimitInfo, type TikTokShopErrorDetails, type TikTokShopErrorKind } from "./api-errors.ts";
export type { TikTokShopResult } from "./api-response.ts";
export {
  inventorySkuSchema,
  orderDetailSchema,
  orderLineItemSchema,
  type TikTokAuthorizedShop,
  type TikTokInventorySearchResult,
  type TikTokOrderDetail,
  type TikTokProduct,
  type TikTokProductSku,
} from "./api-schemas.ts";

export interface TikTokShopClientConfig {
  /** e.g. the simulator's `http://127.0.0.1:54330`; from the environment in the app. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  /**
   * The shop's cipher (from getAuthorizedShops), sent as `shop_cipher` on every shop-scoped
   * call. Only getAuthorizedShops works without one.
   */
  shopCipher?: string;
  fetch?: typeof fetch;
  /** Deadline of one call, answer included (default TIKTOK_CALL_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Milliseconds since the epoch; the signed `timestamp` must be within 5 minutes of TikTok's clock. */
  now?: () => number;
}

export interface InventoryUpdate {
  skus: { id: string; inventory: { warehouse_id?: string; quantity: number }[] }[];
}

/** Filters of the order search, unix seconds; `*Ge` includes the bound, `*Lt` excludes it. */
export interface OrderSearchFilter {
  createTimeGe?: number;
  createTimeLt?: number;
  updateTimeGe?: number;
  updateTimeLt?: number;
  /** An Orders API status, e.g. AWAITING_SHIPMENT. */
  orderStatus?: string;
}

export interface PageRequest {
  /** 1-100; 50 when left out. */
  pageSize?: number;
  /** The previous page's nextPageToken. */
  pageToken?: string;
}

export interface TikTokShopClient {
  /** GET /authorization/202309/shops: the shops the seller of this access token has authorized, with their ciphers. */
  getAuthorizedShops(): Promise<TikTokShopResult<{ shops: TikTokAuthorizedShop[] }>>;
  /** GET /order/202309/orders?ids=... (TikTok accepts up to 50 ids per call). */
  getOrderDetails(orderIds: readonly string[]): Promise<TikTokShopResult<{ orders: TikTokOrderDetail[] }>>;
  /** POST /order/202309/orders/search: one page of the shop's orders matching the filter; nextPageToken is null on the last page. */
  searchOrders(filter: OrderSearchFilter, page: PageRequest): Promise<TikTokShopResult<{ orders: TikTokOrderDetail[]; nextPageToken: string | null; totalCount: number }>>;
  /** POST /product/202309/products/search: one page of the shop's products with their SKUs, prices and stock. */
  searchProducts(page: PageRequest): Promise<TikTokShopResult<{ products: TikTokProduct[]; nextPageToken: string | null; totalCount: number }>>;
  /** POST /product/202309/inventory/search by product ids or SKU ids. */
  searchInventory(query: { productIds?: readonly string[]; skuIds?: readonly string[] }): Promise<TikTokShopResult<TikTokInventorySearchResult>>;
  /** POST /product/202309/products/{productId}/inventory/update. */
  updateInventory(productId: string, update: InventoryUpdate): Promise<TikTokShopResult<{ failed_skus?: { id: string }[] }>>;
  /** POST /fulfillment/202309/packages/{packageId}/ship: hands a package over with the seller's own carrier and tracking number. */
  shipPackage(packageId: string, shipment: PackageShipment): Promise<TikTokShopResult<Record<string, unknown>>>;
}

export interface PackageShipment {
  trackingNumber: string;
  shippingProviderId: string;
  handoverMethod?: "PICKUP" | "DROP_OFF";
}

export const maxOrderIdsPerRequest = 50;
export const maxPageSize = 100;
const defaultPageSize = 50;

/** One signed call to the TikTok Shop API, its envelope and data checked; what every client method is built on. */
export type SignedApiCall = <T>(
  method: "GET" | "POST",
  path: string,
  params: Record<string, string>,
  body: unknown,
  dataSchema: z.ZodType<T>,
  /** "seller" calls (the authorized shops) carry no shop cipher. */
  scope?: "shop" | "seller",
) => Promise<TikTokShopResult<T>>;

export function createSignedApiCall(config: TikTokShopClientConfig): SignedApiCall {
  const fetchImpl = config.fetch ?? fetch;
  const now = config.now ?? Date.now;
  const baseUrl = config.baseUrl.replace(/\/+$/, "");
  const redact = (text: string) => redactCredentials(text, [config.accessToken, config.appSecret]);

  return async function call<T>(
    method: "GET" | "POST",
    path: string,
    params: Record<string, string>,
    body: unknown,
    dataSchema: z.ZodType<T>,
    scope: "shop" | "seller" = "shop",
  ): Promise<TikTokShopResult<T>> {
    const label = `${method} ${path}`;
    if (scope === "shop" && config.shopCipher === undefined) throw new TikTokShopApiError("invalid_request", `${label} needs the shop's cipher (shopCipher)`);
    const query: Record<string, string> = {
      ...params,
      app_key: config.appKey,
      ...(scope === "shop" && config.shopCipher !== undefined ? { shop_cipher: config.shopCipher } : {}),
      timestamp: String(Math.floor(now() / 1000)),
    };
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    const sign = await signApiRequest({ appSecret: config.appSecret, path, query, body: bodyText, contentType: "application/json" });
    const url = `${baseUrl}${path}?${new URLSearchParams({ ...query, sign }).toString()}`;

    const init = { method, headers: { "content-type": "application/json", "x-tts-access-token": config.accessToken }, body: bodyText };
    const response = await fetchTikTok(fetchImpl, url, init, label, redact, config.timeoutMs);
    return unwrapTikTokAnswer(response, dataSchema, label, redact);
  };
}

function pageQuery(page: PageRequest): Record<string, string> {
  const pageSize = page.pageSize ?? defaultPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw new TikTokShopApiError("invalid_request", `page size must be an integer from 1 to ${maxPageSize}, got ${pageSize}`);
  }
  return { page_size: String(pageSize), ...(page.pageToken === undefined || page.pageToken === "" ? {} : { page_token: page.pageToken }) };
}

export function createTikTokShopClient(config: TikTokShopClientConfig): TikTokShopClient {
  const call = createSignedApiCall(config);
  return {
    getAuthorizedShops() {
      return call("GET", "/authorization/202309/shops", {}, undefined, authorizedShopsDataSchema, "seller");
    },
    getOrderDetails(orderIds) {
      if (orderIds.length === 0 || orderIds.length > maxOrderIdsPerRequest) {
        return Promise.reject(new TikTokShopApiError("invalid_request", `between 1 and ${maxOrderIdsPerRequest} order ids per request, got ${orderIds.length}`));
      }
      return call("GET", "/order/202309/orders", { ids: orderIds.join(",") }, undefined, orderDetailDataSchema);
    },
    async searchOrders(filter, page) {
      const body: Record<string, string | number> = {};
      if (filter.createTimeGe !== undefined) body.create_time_ge = filter.createTimeGe;
      if (filter.createTimeLt !== undefined) body.create_time_lt = filter.createTimeLt;
      if (filter.updateTimeGe !== undefined) body.update_time_ge = filter.updateTimeGe;
      if (filter.updateTimeLt !== undefined) body.update_time_lt = filter.updateTimeLt;
      if (filter.orderStatus !== undefined) body.order_status = filter.orderStatus;
      return call("POST", "/order/202309/orders/search", pageQuery(page), body, orderSearchDataSchema);
    },
    async searchProducts(page) {
      return call("POST", "/product/202309/products/search", pageQuery(page), {}, productSearchDataSchema);
    },
    searchInventory({ productIds, skuIds }) {
      const body: Record<string, readonly string[]> = {};
      if (productIds !== undefined && productIds.length > 0) body.product_ids = productIds;
      if (skuIds !== undefined && skuIds.length > 0) body.sku_ids = skuIds;
      if (Object.keys(body).length === 0) return Promise.reject(new TikTokShopApiError("invalid_request", "inventory search needs product ids or SKU ids"));
      return call("POST", "/product/202309/inventory/search", {}, body, inventorySearchDataSchema);
    },
    updateInventory(productId, update) {
      return call("POST", `/product/202309/products/${encodeURIComponent(productId)}/inventory/update`, {}, update, inventoryUpdateDataSchema);
    },
    shipPackage(packageId, shipment) {
      const body = {
        handover_method: shipment.handoverMethod ?? "DROP_OFF",
        self_shipment: { tracking_number: shipment.trackingNumber, shipping_provider_id: shipment.shippingProviderId },
      };
      return call("POST", `/fulfillment/202309/packages/${encodeURIComponent(packageId)}/ship`, {}, body, shipPackageDataSchema);
    },
  };
}

const zeroDecimalCurrencies = new Set(["JPY", "KRW", "VND", "CLP", "ISK", "UGX"]);

/** "12.99" USD → 1299; exact decimal arithmetic, since floats drift on money. */
export function decimalAmountToMinor(amount: string, currency: string): number {
  const digits = zeroDecimalCurrencies.has(currency.toUpperCase()) ? 0 : 2;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (match === null) throw new RangeError(`not a decimal amount: ${amount}`);
  const [, whole = "0", fraction = ""] = match;
  if (fraction.replace(/0+$/, "").length > digits) throw new RangeError(`${amount} has more than ${digits} decimals for ${currency}`);
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0").slice(0, digits) || "0");
}

/**
 * Folds 202309 one-unit line items into the domain's items: one per SKU and unit price
 * (a discounted unit of a SKU stays a separate item, so the amounts still add up).
 */
export function orderItemsFromLineItems(lineItems: readonly z.infer<typeof orderLineItemSchema>[]): OrderItem[] {
  const items = new Map<string, OrderItem>();
  for (const line of lineItems) {
    const unitPriceMinor = decimalAmountToMinor(line.sale_price, line.currency);
    const key = `${line.sku_id}@${unitPriceMinor}`;
    const existing = items.get(key);
    if (existing !== undefined) {
      existing.quantity += 1;
      continue;
    }
    const item: OrderItem = { sku_id: line.sku_id, product_id: line.product_id, quantity: 1, unit_price_minor: unitPriceMinor };
    if (line.product_name !== undefined) item.product_name = line.product_name;
    items.set(key, item);
  }
  return [...items.values()];
}
