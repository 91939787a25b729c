// The shop-scoped TikTok Shop API endpoints the app calls for one order or SKU: order
// detail, inventory search, inventory update and ship package (API version 202309),
// answered from the simulated shop world.
import { z } from "zod";
import type { DemoShop } from "./demo-catalogue.ts";
import { parseJson, rejection, RequestRejected } from "./api-protocol.ts";
import { availableOf, formatMinor, type ShopWorld, type SimulatedOrder } from "./shop-world.ts";

const inventorySearchBody = z.object({ product_ids: z.array(z.string()).max(100).optional(), sku_ids: z.array(z.string()).max(600).optional() });
const inventoryUpdateBody = z.object({
  skus: z
    .array(z.object({ id: z.string(), inventory: z.array(z.object({ warehouse_id: z.string().optional(), quantity: z.number().int().nonnegative().max(999_999) })).min(1) }))
    .min(1),
});

const shipPackageBody = z.object({
  handover_method: z.enum(["PICKUP", "DROP_OFF"]).optional(),
  self_shipment: z.object({ tracking_number: z.string().min(1).max(100), shipping_provider_id: z.string().min(1).max(100) }),
});

// Statuses in which TikTok has made the order's package: paid, hold over, not cancelled.
const packagedStatuses = new Set(["AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]);

/** The order's package id, derived from the order until the traffic assigns one, so order detail and ship agree. */
function packageIdOf(order: SimulatedOrder): string | undefined {
  if (order.packageId !== undefined) return order.packageId;
  return packagedStatuses.has(order.status) ? `1152${order.orderId.slice(-15)}` : undefined;
}

/** An order as `GET /order/202309/orders` (and the order search) lists it. */
export function orderDetail(order: SimulatedOrder) {
  const currency = order.shop.currency;
  const detail: Record<string, unknown> = {
    id: order.orderId,
    status: order.status,
    create_time: order.createTime,
    update_time: order.updateTime,
    is_on_hold_order: order.isOnHold,
    buyer_user_id: order.buyerUserId,
    payment: {
      currency,
      sub_total: formatMinor(order.subtotalMinor),
      shipping_fee: formatMinor(order.shippingMinor),
      total_amount: formatMinor(order.subtotalMinor + order.shippingMinor),
      tax: "0.00",
      seller_discount: "0.00",
      platform_discount: "0.00",
      original_total_product_price: formatMinor(order.subtotalMinor),
      original_shipping_fee: formatMinor(order.shippingMinor),
    },
    line_items: order.lineItems.map((item) => ({
      id: item.lineItemId,
      sku_id: item.sku.skuId,
      product_id: item.sku.productId,
      product_name: item.sku.productName,
      sku_name: item.sku.skuName,
      seller_sku: item.sku.sellerSku,
      sale_price: formatMinor(item.sku.priceMinor),
      original_price: formatMinor(item.sku.priceMinor),
      currency,
      display_status: order.status,
      ...(packageIdOf(order) === undefined ? {} : { package_id: packageIdOf(order) }),
    })),
    packages: packageIdOf(order) === undefined ? [] : [{ id: packageIdOf(order) }],
  };
  if (order.paidTime !== undefined) detail.paid_time = order.paidTime;
  if (order.trackingNumber !== undefined) {
    detail.tracking_number = order.trackingNumber;
    detail.shipping_provider = "USPS";
  }
  if (order.cancelReason !== undefined) detail.cancel_reason = order.cancelReason;
  return detail;
}

/** The `data` of a shop-scoped call, or undefined when no endpoint matches. */
export function shopRoute(world: ShopWorld, now: () => number, method: string, url: URL, body: string, shop: DemoShop): unknown {
  if (method === "GET" && url.pathname === "/order/202309/orders") {
    const ids = (url.searchParams.get("ids") ?? "").split(",").filter((id) => id !== "");
    if (ids.length === 0 || ids.length > 50) throw new RequestRejected(rejection.badRequest, "bad_request", "ids must list 1 to 50 order ids.");
    const orders = ids.map((id) => world.orders.get(id)).filter((order): order is SimulatedOrder => order !== undefined && order.shop.shopId === shop.shopId);
    return { orders: orders.map(orderDetail) };
  }
  if (method === "POST" && url.pathname === "/product/202309/inventory/search") {
    const query = parseJson(body, inventorySearchBody);
    const productIds = new Set(query.product_ids ?? []);
    const skuIds = new Set(query.sku_ids ?? []);
    if (productIds.size === 0 && skuIds.size === 0) throw new RequestRejected(rejection.badRequest, "bad_request", "product_ids or sku_ids is required.");
    const byProduct = new Map<string, unknown[]>();
    for (const sku of shop.skus) {
      if (!productIds.has(sku.productId) && !skuIds.has(sku.skuId)) continue;
      const stock = world.stockBySku.get(sku.skuId);
      if (stock === undefined) continue;
      const skus = byProduct.get(sku.productId) ?? [];
      skus.push({
        id: sku.skuId,
        seller_sku: sku.sellerSku,
        total_available_quantity: availableOf(stock),
        total_committed_quantity: stock.committed,
        warehouse_inventory: [{ warehouse_id: shop.warehouseId, available_quantity: availableOf(stock), committed_quantity: stock.committed }],
      });
      byProduct.set(sku.productId, skus);
    }
    return { inventory: [...byProduct].map(([product_id, skus]) => ({ product_id, skus })) };
  }
  const update = /^\/product\/202309\/products\/([^/]+)\/inventory\/update$/.exec(url.pathname);
  if (method === "POST" && update !== null) {
    const productId = decodeURIComponent(update[1] ?? "");
    const productSkus = shop.skus.filter((sku) => sku.productId === productId);
    if (productSkus.length === 0) throw new RequestRejected(rejection.notFound, "not_found", `Product ${productId} not found in this shop.`);
    const { skus } = parseJson(body, inventoryUpdateBody);
    const unknown = skus.filter((entry) => !productSkus.some((sku) => sku.skuId === entry.id));
    if (unknown.length > 0) throw new RequestRejected(rejection.badRequest, "bad_request", `SKU ${unknown[0]?.id} does not belong to product ${productId}.`);
    for (const entry of skus) {
      const stock = world.stockBySku.get(entry.id);
      if (stock === undefined) continue;
      // The quantity the seller sets is what is available to sell; commitments stay.
      const available = entry.inventory.reduce((sum, line) => sum + line.quantity, 0);
      stock.total = available + stock.committed + stock.creatorReserved + stock.campaignReserved;
    }
    return {};
  }
  const ship = /^\/fulfillment\/202309\/packages\/([^/]+)\/ship$/.exec(url.pathname);
  if (method === "POST" && ship !== null) {
    const packageId = decodeURIComponent(ship[1] ?? "");
    const order = [...world.orders.values()].find((candidate) => candidate.shop.shopId === shop.shopId && packageIdOf(candidate) === packageId);
    if (order === undefined) throw new RequestRejected(rejection.notFound, "not_found", `Package ${packageId} not found in this shop.`);
    const { self_shipment } = parseJson(body, shipPackageBody);
    // Shipping the same package with the same tracking number again changes nothing, as a retry should.
    if (order.trackingNumber === self_shipment.tracking_number) return {};
    if (order.status !== "AWAITING_SHIPMENT") throw new RequestRejected(rejection.badRequest, "bad_request", `Order ${order.orderId} is ${order.status} and cannot be shipped.`);
    order.packageId = packageId;
    order.trackingNumber = self_shipment.tracking_number;
    order.status = "AWAITING_COLLECTION";
    order.updateTime = Math.max(order.updateTime, Math.floor(now() / 1000));
    for (const item of order.lineItems) {
      const stock = world.stockBySku.get(item.sku.skuId);
      if (stock === undefined) continue;
      stock.committed = Math.max(0, stock.committed - 1);
      stock.total = Math.max(0, stock.total - 1);
    }
    return {};
  }
  return undefined;
}
