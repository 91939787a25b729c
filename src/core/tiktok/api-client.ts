// A fetch-based TikTok Shop API client (API version 202309). Every request is signed;
// responses are checked with zod before anyone trusts them; failures are typed so callers
// can tell "retry later" from "fix the credentials".
import { z } from "zod";
import type { OrderItem } from "../orders/events.ts";
import { signApiRequest } from "./api-signature.ts";

export interface TikTokShopClientConfig {
  /** e.g. the simulator's `http://127.0.0.1:54330`; from the environment in the app. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  shopCipher: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; the signed `timestamp` must be within 5 minutes of TikTok's clock. */
  now?: () => number;
}

export type TikTokShopErrorKind =
  | "unauthorized" // bad sign, token or app key: retrying will not help
  | "forbidden"
  | "not_found"
  | "invalid_request"
  | "rate_limited"
  | "server" // TikTok's side; retry with backoff
  | "network"
  | "invalid_response";

export interface TikTokShopErrorDetails {
  httpStatus?: number;
  /** TikTok's own error code from the response body, e.g. 106001 for a bad signature. */
  code?: number;
  requestId?: string;
  rateLimit?: RateLimitInfo;
}

export class TikTokShopApiError extends Error {
  override readonly name = "TikTokShopApiError";
  readonly kind: TikTokShopErrorKind;
  readonly details: TikTokShopErrorDetails;

  constructor(kind: TikTokShopErrorKind, message: string, details: TikTokShopErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.details = details;
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "server" || this.kind === "network";
  }
}

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Seconds until the window resets, or the Retry-After delay on a 429. */
  resetAfterSeconds?: number;
}

export interface TikTokShopResult<T> {
  data: T;
  requestId?: string;
  rateLimit?: RateLimitInfo;
}

const apiEnvelopeSchema = z.looseObject({
  code: z.number().int(),
  message: z.string().optional().default(""),
  request_id: z.string().optional(),
  data: z.unknown().optional(),
});

/** Money as TikTok sends it: a decimal string such as "12.99". */
const moneyString = z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal amount");

export const orderLineItemSchema = z.looseObject({
  id: z.string(),
  sku_id: z.string(),
  product_id: z.string(),
  product_name: z.string().optional(),
  sku_name: z.string().optional(),
  seller_sku: z.string().optional(),
  sale_price: moneyString,
  original_price: moneyString.optional(),
  currency: z.string(),
  display_status: z.string().optional(),
  package_id: z.string().optional(),
});

export const orderDetailSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  create_time: z.number().int(),
  update_time: z.number().int(),
  paid_time: z.number().int().optional(),
  is_on_hold_order: z.boolean().optional(),
  buyer_user_id: z.string().optional(),
  payment: z.looseObject({
    currency: z.string(),
    sub_total: moneyString,
    shipping_fee: moneyString,
    total_amount: moneyString,
    tax: moneyString.optional(),
    seller_discount: moneyString.optional(),
    platform_discount: moneyString.optional(),
  }),
  // In API version 202309 every line item is one unit: two of a SKU are two line items.
  line_items: z.array(orderLineItemSchema),
  packages: z.array(z.looseObject({ id: z.string() })).optional(),
  tracking_number: z.string().optional(),
  shipping_provider: z.string().optional(),
});
export type TikTokOrderDetail = z.infer<typeof orderDetailSchema>;

const orderDetailDataSchema = z.looseObject({ orders: z.array(orderDetailSchema) });

export const inventorySkuSchema = z.looseObject({
  id: z.string(),
  seller_sku: z.string().optional(),
  total_available_quantity: z.number().int(),
  total_committed_quantity: z.number().int().optional(),
  warehouse_inventory: z
    .array(z.looseObject({ warehouse_id: z.string(), available_quantity: z.number().int(), committed_quantity: z.number().int().optional() }))
    .optional(),
});

const inventorySearchDataSchema = z.looseObject({
  inventory: z.array(z.looseObject({ product_id: z.string(), skus: z.array(inventorySkuSchema) })).default([]),
});
export type TikTokInventorySearchResult = z.infer<typeof inventorySearchDataSchema>;

export interface InventoryUpdate {
  skus: { id: string; inventory: { warehouse_id?: string; quantity: number }[] }[];
}

const inventoryUpdateDataSchema = z
  .looseObject({
    failed_skus: z.array(z.looseObject({ id: z.string() })).optional(),
  })
  .nullable()
  .optional()
  .transform((data) => data ?? {});

function errorKindForStatus(httpStatus: number): TikTokShopErrorKind {
  if (httpStatus === 401) return "unauthorized";
  if (httpStatus === 403) return "forbidden";
  if (httpStatus === 404) return "not_found";
  if (httpStatus === 429) return "rate_limited";
  if (httpStatus >= 500) return "server";
  return "invalid_request";
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function rateLimitFrom(headers: Headers): RateLimitInfo | undefined {
  const info: RateLimitInfo = {};
  const limit = numberHeader(headers, "x-ratelimit-limit");
  const remaining = numberHeader(headers, "x-ratelimit-remaining");
  const resetAfterSeconds = numberHeader(headers, "x-ratelimit-reset") ?? numberHeader(headers, "retry-after");
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (resetAfterSeconds !== undefined) info.resetAfterSeconds = resetAfterSeconds;
  return Object.keys(info).length > 0 ? info : undefined;
}

export interface TikTokShopClient {
  /** GET /order/202309/orders?ids=... (TikTok accepts up to 50 ids per call). */
  getOrderDetails(orderIds: readonly string[]): Promise<TikTokShopResult<{ orders: TikTokOrderDetail[] }>>;
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

const shipPackageDataSchema = z
  .looseObject({})
  .nullable()
  .optional()
  .transform((data): Record<string, unknown> => data ?? {});

export const maxOrderIdsPerRequest = 50;

/** One signed call to the TikTok Shop API, its envelope and data checked; what every client method is built on. */
export type SignedApiCall = <T>(method: "GET" | "POST", path: string, params: Record<string, string>, body: unknown, dataSchema: z.ZodType<T>) => Promise<TikTokShopResult<T>>;

export function createSignedApiCall(config: TikTokShopClientConfig): SignedApiCall {
  const fetchImpl = config.fetch ?? fetch;
  const now = config.now ?? Date.now;
  const baseUrl = config.baseUrl.replace(/\/+$/, "");

  return async function call<T>(method: "GET" | "POST", path: string, params: Record<string, string>, body: unknown, dataSchema: z.ZodType<T>): Promise<TikTokShopResult<T>> {
    const query: Record<string, string> = {
      ...params,
      app_key: config.appKey,
      shop_cipher: config.shopCipher,
      timestamp: String(Math.floor(now() / 1000)),
    };
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    const sign = await signApiRequest({ appSecret: config.appSecret, path, query, body: bodyText, contentType: "application/json" });
    const url = `${baseUrl}${path}?${new URLSearchParams({ ...query, sign }).toString()}`;

    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers: { "content-type": "application/json", "x-tts-access-token": config.accessToken },
        body: bodyText,
      });
    } catch (error) {
      throw new TikTokShopApiError("network", `TikTok Shop API unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }

    const rateLimit = rateLimitFrom(response.headers);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const envelope = apiEnvelopeSchema.safeParse(json);
    const details = {
      httpStatus: response.status,
      ...(envelope.success ? { code: envelope.data.code, requestId: envelope.data.request_id } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    };
    if (!response.ok) {
      const message = envelope.success ? envelope.data.message : `HTTP ${response.status}`;
      throw new TikTokShopApiError(errorKindForStatus(response.status), `${method} ${path} failed: ${message}`, details);
    }
    if (!envelope.success) throw new TikTokShopApiError("invalid_response", `${method} ${path}: response is not a TikTok Shop API envelope`, details);
    // TikTok also reports some failures with HTTP 200 and a non-zero code.
    if (envelope.data.code !== 0) throw new TikTokShopApiError("invalid_request", `${method} ${path} failed: ${envelope.data.message}`, details);
    const data = dataSchema.safeParse(envelope.data.data);
    if (!data.success) throw new TikTokShopApiError("invalid_response", `${method} ${path}: unexpected data: ${z.prettifyError(data.error).slice(0, 300)}`, details);
    const result: TikTokShopResult<T> = { data: data.data };
    if (envelope.data.request_id !== undefined) result.requestId = envelope.data.request_id;
    if (rateLimit !== undefined) result.rateLimit = rateLimit;
    return result;
  };
}

export function createTikTokShopClient(config: TikTokShopClientConfig): TikTokShopClient {
  const call = createSignedApiCall(config);
  return {
    getOrderDetails(orderIds) {
      if (orderIds.length === 0 || orderIds.length > maxOrderIdsPerRequest) {
        return Promise.reject(new TikTokShopApiError("invalid_request", `between 1 and ${maxOrderIdsPerRequest} order ids per request, got ${orderIds.length}`));
      }
      return call("GET", "/order/202309/orders", { ids: orderIds.join(",") }, undefined, orderDetailDataSchema);
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
