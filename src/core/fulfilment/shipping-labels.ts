// Where the label step gets its label, by how TikTok says the order ships (its detail's
// `shipping_type`): TikTok's own shipping arranges the handover and makes the label (its
// tracking number is TikTok's); an order the seller ships needs a carrier, whose label's
// tracking number and TikTok shipping provider go to TikTok's ship call. Without a carrier
// (or with one TikTok does not accept for the order) the step cannot run here: it never
// makes up a label or a tracking number.
import { TikTokShopApiError, type TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import type { OrderShipping, TikTokShopFulfilmentClient } from "../channels/tiktok-shop/fulfilment-api.ts";
import { normalizeOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import type { Carrier, ShippingLabel } from "./ports.ts";
import { ConfigurationRequired, StepFailure } from "./saga-errors.ts";
import { unitsBySku, type FulfilmentSagaState } from "./saga-state.ts";

// TikTok's codes for a shipping document it has not finished making: worth asking again.
const documentNotReadyCodes = new Set([11034023, 11034037, 21023022, 36009003]);

/** TikTok's shipping: arrange the handover (unless a run before a crash did), then take the label TikTok made for it. */
export async function tiktokShippingLabel(client: TikTokShopFulfilmentClient, detail: TikTokOrderDetail, shipping: OrderShipping, packageId: string): Promise<ShippingLabel> {
  if (normalizeOrderStatus(detail.status) === "AWAITING_SHIPMENT" && !detail.tracking_number) {
    await client.shipPackageWithTikTokShipping(packageId);
  }
  let document: { doc_url: string; tracking_number?: string };
  try {
    document = (await client.getPackageShippingDocument(packageId, "SHIPPING_LABEL")).data;
  } catch (error) {
    if (error instanceof TikTokShopApiError && documentNotReadyCodes.has(error.details.code ?? 0)) throw new StepFailure(false, `TikTok is still making the label for package ${packageId}`);
    throw error;
  }
  if (!document.tracking_number) throw new StepFailure(false, `TikTok's label for package ${packageId} has no tracking number yet`);
  return {
    labelId: `tiktok-package-${packageId}`,
    carrier: shipping.shippingProvider ?? "TikTok Shipping",
    trackingNumber: document.tracking_number,
    shippingProviderId: shipping.shippingProviderId ?? "",
    madeBy: "tiktok",
    packageId,
  };
}

/** The seller ships: the configured carrier's label, with TikTok's id for that carrier checked before anything is bought. */
export async function carrierLabel(
  carrier: Carrier | null,
  client: TikTokShopFulfilmentClient,
  saga: FulfilmentSagaState,
  shipping: OrderShipping,
  packageId: string,
): Promise<ShippingLabel> {
  if (!carrier) {
    throw new ConfigurationRequired("carrier", `order ${saga.orderId} is shipped by the seller (TikTok shipping_type SELLER) and no carrier is configured: no label was bought and nothing was sent to TikTok`);
  }
  const shippingProviderId = shipping.deliveryOptionId ? await tiktokProviderIdFor(carrier, client, saga, shipping.deliveryOptionId) : null;
  const label = await carrier.createLabel({
    orderId: saga.orderId,
    idempotencyKey: `saga:${saga.orderId}:label`,
    items: unitsBySku(saga.progress.items ?? []).map((unit) => ({ skuId: unit.sku_id, quantity: unit.quantity })),
  });
  return { ...label, shippingProviderId: shippingProviderId ?? label.shippingProviderId, madeBy: "carrier", packageId };
}

/** TikTok's id for the carrier among the shipping providers it accepts for the order's delivery option. */
async function tiktokProviderIdFor(carrier: Carrier, client: TikTokShopFulfilmentClient, saga: FulfilmentSagaState, deliveryOptionId: string): Promise<string> {
  const { data } = await client.getShippingProviders(deliveryOptionId);
  const provider = data.shipping_providers.find((candidate) => candidate.name.trim().toLowerCase() === carrier.name.trim().toLowerCase());
  if (!provider) {
    const accepted = data.shipping_providers.map((candidate) => candidate.name).join(", ") || "none";
    throw new ConfigurationRequired("shipping_provider", `carrier ${carrier.name} is not one of TikTok's shipping providers for order ${saga.orderId}'s delivery option (${accepted}): no label was bought`);
  }
  return provider.id;
}
