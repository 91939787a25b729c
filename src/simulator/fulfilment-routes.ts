// The simulated TikTok Shop's fulfilment endpoints (API version 202309): ship package (for
// seller shipping with the seller's tracking number and provider, and for TikTok shipping,
// where TikTok makes the label), a shipped package's shipping documents, and the shipping
// providers of a delivery option. Refusals carry TikTok's documented error codes.
import { z } from "zod";
import type { ShopWorld, SimulatedOrder } from "./shop-world.ts";

export interface SimulatedRejection {
  http: number;
  code: number;
  message: string;
}

export interface FulfilmentRouteContext {
  world: ShopWorld;
  now: () => number;
  /** Throws the simulator's rejection: the HTTP status, TikTok's code and message. */
  reject(rejection: SimulatedRejection, reason: string, detail?: string): never;
  parseJson<T>(body: string, schema: z.ZodType<T>): T;
}

/** The delivery options every simulated shop offers: one the seller ships, one TikTok's shipping carries. */
export const simulatedDeliveryOptions = { seller: "7091146663229654785", tiktok: "7091146663229654786" } as const;

/** The providers TikTok accepts for the seller-shipped delivery option; SimPost is the local simulated carrier. */
export const simulatedShippingProviders: readonly { id: string; name: string }[] = [
  { id: "6617675021119438849", name: "SimPost" },
  { id: "7117858858072016686", name: "USPS" },
  { id: "7117859084333745966", name: "UPS" },
  { id: "7129736293935908654", name: "FedEx" },
];

/** The provider TikTok's own shipping books a simulated label with. */
const tiktokShippingProvider = { id: "7117858858072016686", name: "USPS" } as const;

// TikTok's codes for these refusals (from its fulfilment API reference).
const refusal = {
  invalidParam: { http: 400, code: 11001002, message: "invalid param." },
  alreadyShipped: { http: 400, code: 21011040, message: "Package has already been shipped." },
  cancelled: { http: 400, code: 21011041, message: "Cannot complete the operation when order is cancelled." },
  invalidProvider: { http: 400, code: 21011022, message: "Invalid tracking number or provider ID. Please double check and try again." },
  platformFulfilled: { http: 400, code: 21008025, message: "Seller cannot operate orders which are fulfilled by platform" },
  documentsTikTokOnly: { http: 400, code: 21008017, message: "This API is only applicable to TikTok Shipping orders. For seller shipping, please obtain the shipping label offline." },
  arrangeFirst: { http: 400, code: 21023035, message: "Please arrange shipment before retrieving the shipping document." },
  tiktokDeliveryOption: { http: 400, code: 21008117, message: "The delivery of the specified delivery_option_id is fulfilled by TikTok. No shipping provider will be returned." },
  unknownDeliveryOption: { http: 400, code: 21008116, message: "No Subscription without specified delivery option." },
  notFound: { http: 404, code: 21011028, message: "The package does not belong to the current shop." },
} as const;

// Statuses in which TikTok has made the order's package: paid, hold over, not cancelled.
const packagedStatuses = new Set(["AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]);

/** The order's package id, derived from the order until the traffic assigns one, so order detail and ship agree. */
export function packageIdOf(order: SimulatedOrder): string | undefined {
  if (order.packageId !== undefined) return order.packageId;
  return packagedStatuses.has(order.status) ? `1152${order.orderId.slice(-15)}` : undefined;
}

/** What the order detail says about how the order ships. */
export function shippingFieldsOf(order: SimulatedOrder): Record<string, unknown> {
  const tiktokShips = order.shippingType === "TIKTOK";
  const fields: Record<string, unknown> = {
    shipping_type: tiktokShips ? "TIKTOK" : "SELLER",
    delivery_option_id: tiktokShips ? simulatedDeliveryOptions.tiktok : simulatedDeliveryOptions.seller,
  };
  if (order.trackingNumber !== undefined) {
    fields.tracking_number = order.trackingNumber;
    // Traffic that ships by itself (the seller in Seller Center) names no provider: USPS, as the detail always said.
    fields.shipping_provider = order.shippingProvider?.name ?? "USPS";
    if (order.shippingProvider !== undefined) fields.shipping_provider_id = order.shippingProvider.id;
  }
  return fields;
}

const shipPackageBody = z.object({
  handover_method: z.enum(["PICKUP", "DROP_OFF"]).optional(),
  pickup_slot: z.object({ start_time: z.number().int(), end_time: z.number().int() }).optional(),
  self_shipment: z.object({ tracking_number: z.string().min(1).max(100), shipping_provider_id: z.string().min(1).max(100) }).optional(),
});

const documentTypes = new Set(["SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP"]);

/** The fulfilment endpoints; undefined for a request that is not one of them. */
export function routeFulfilment(context: FulfilmentRouteContext, method: string, url: URL, body: string, shopId: string): unknown {
  const ship = /^\/fulfillment\/202309\/packages\/([^/]+)\/ship$/.exec(url.pathname);
  if (method === "POST" && ship !== null) return shipPackage(context, shopId, decodeURIComponent(ship[1] ?? ""), body);

  const documents = /^\/fulfillment\/202309\/packages\/([^/]+)\/shipping_documents$/.exec(url.pathname);
  if (method === "GET" && documents !== null) {
    const packageId = decodeURIComponent(documents[1] ?? "");
    const documentType = url.searchParams.get("document_type") ?? "";
    if (!documentTypes.has(documentType)) context.reject(refusal.invalidParam, "bad_request", "document_type must be SHIPPING_LABEL, PACKING_SLIP or SHIPPING_LABEL_AND_PACKING_SLIP.");
    const order = packageOf(context, shopId, packageId);
    if (order.shippingType !== "TIKTOK") context.reject(refusal.documentsTikTokOnly, "bad_request");
    if (order.trackingNumber === undefined) context.reject(refusal.arrangeFirst, "bad_request");
    // A reserved name: the simulator prints no documents, and nothing should try to fetch one.
    return { doc_url: `https://documents.simulator.invalid/${packageId}/${documentType.toLowerCase()}.pdf`, tracking_number: order.trackingNumber };
  }

  const providers = /^\/logistics\/202309\/delivery_options\/([^/]+)\/shipping_providers$/.exec(url.pathname);
  if (method === "GET" && providers !== null) {
    const deliveryOptionId = decodeURIComponent(providers[1] ?? "");
    if (deliveryOptionId === simulatedDeliveryOptions.tiktok) context.reject(refusal.tiktokDeliveryOption, "bad_request");
    if (deliveryOptionId !== simulatedDeliveryOptions.seller) context.reject(refusal.unknownDeliveryOption, "bad_request");
    return { shipping_providers: simulatedShippingProviders.map((provider) => ({ ...provider })) };
  }

  return undefined;
}

/** POST .../packages/{id}/ship: TikTok Shipping books its own label; a seller's shipment names its tracking number and provider. */
function shipPackage(context: FulfilmentRouteContext, shopId: string, packageId: string, body: string): unknown {
  const order = packageOf(context, shopId, packageId);
  const request = context.parseJson(body, shipPackageBody);
  if (order.shippingType === "TIKTOK") {
    if (request.self_shipment !== undefined) context.reject(refusal.platformFulfilled, "bad_request", `Package ${packageId} ships with TikTok Shipping: it takes no tracking number of the seller's.`);
    if (order.status === "CANCELLED") context.reject(refusal.cancelled, "bad_request");
    if (order.status !== "AWAITING_SHIPMENT") context.reject(refusal.alreadyShipped, "bad_request");
    // TikTok's carrier books the label; the tracking number is TikTok's, made here as TikTok would make it.
    handOver(context, order, packageId, `9400${order.orderId.slice(-18).padStart(18, "0")}`, tiktokShippingProvider);
    return {};
  }
  if (request.self_shipment === undefined) context.reject(refusal.invalidParam, "bad_request", `Package ${packageId} is shipped by the seller: self_shipment with a tracking number and shipping_provider_id is required.`);
  const { tracking_number, shipping_provider_id } = request.self_shipment;
  // Shipping the same package with the same tracking number again changes nothing, as a retry should.
  if (order.trackingNumber === tracking_number) return {};
  if (order.status === "CANCELLED") context.reject(refusal.cancelled, "bad_request", `Order ${order.orderId} is CANCELLED and cannot be shipped.`);
  if (order.status !== "AWAITING_SHIPMENT") context.reject(refusal.alreadyShipped, "bad_request", `Order ${order.orderId} is ${order.status} and cannot be shipped.`);
  const provider = simulatedShippingProviders.find((candidate) => candidate.id === shipping_provider_id);
  if (provider === undefined) context.reject(refusal.invalidProvider, "bad_request");
  handOver(context, order, packageId, tracking_number, provider);
  return {};
}

function packageOf(context: FulfilmentRouteContext, shopId: string, packageId: string): SimulatedOrder {
  const order = [...context.world.orders.values()].find((candidate) => candidate.shop.shopId === shopId && packageIdOf(candidate) === packageId);
  if (order === undefined) context.reject(refusal.notFound, "not_found", `Package ${packageId} not found in this shop.`);
  return order;
}

/** The package leaves with its tracking number: awaiting collection, its units out of the stock. */
function handOver(context: FulfilmentRouteContext, order: SimulatedOrder, packageId: string, trackingNumber: string, provider: { id: string; name: string }) {
  order.packageId = packageId;
  order.trackingNumber = trackingNumber;
  order.shippingProvider = { ...provider };
  order.status = "AWAITING_COLLECTION";
  order.updateTime = Math.max(order.updateTime, Math.floor(context.now() / 1000));
  for (const item of order.lineItems) {
    const stock = context.world.stockBySku.get(item.sku.skuId);
    if (stock === undefined) continue;
    stock.committed = Math.max(0, stock.committed - 1);
    stock.total = Math.max(0, stock.total - 1);
  }
}
