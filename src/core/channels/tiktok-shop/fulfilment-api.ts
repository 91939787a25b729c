// TikTok Shop's fulfilment API (version 202309) beyond the seller-shipping ship call the
// client already has: an order's shipping arrangement, shipping documents for a package
// TikTok ships, the shipping providers TikTok accepts for a delivery option, and the ship
// call for a package that TikTok's own shipping carries.
//
// How TikTok documents them:
// - An order's detail says who ships it: `shipping_type` TIKTOK (TikTok's shipping; the
//   label comes from TikTok) or SELLER (the seller's own carrier), and its
//   `delivery_option_id`; `packages[].id` are its packages.
// - POST /fulfillment/202309/packages/{package_id}/ship: for TikTok shipping with an optional
//   `handover_method` (PICKUP or DROP_OFF) and no `self_shipment`; for seller shipping with
//   `self_shipment: { tracking_number, shipping_provider_id }`.
// - GET /fulfillment/202309/packages/{package_id}/shipping_documents?document_type=...:
//   TikTok shipping only, and only once the package is shipped (arranged); answers the
//   document's URL (valid 24 hours) and the package's tracking number.
// - GET /logistics/202309/delivery_options/{delivery_option_id}/shipping_providers: the
//   providers a seller may ship a delivery option with, as `{ id, name }`.
import { z } from "zod";
import { createSignedApiCall, createTikTokShopClient, type TikTokOrderDetail, type TikTokShopClient, type TikTokShopClientConfig, type TikTokShopResult } from "./api-client.ts";

export type ShippingDocumentType = "SHIPPING_LABEL" | "PACKING_SLIP" | "SHIPPING_LABEL_AND_PACKING_SLIP";

export interface TikTokShippingProvider {
  id: string;
  name: string;
}

export interface TikTokFulfilmentApi {
  /** POST /fulfillment/202309/packages/{packageId}/ship for a package TikTok's shipping carries: no tracking number of ours. */
  shipPackageWithTikTokShipping(packageId: string, options?: { handoverMethod?: "PICKUP" | "DROP_OFF" }): Promise<TikTokShopResult<Record<string, unknown>>>;
  /** GET /fulfillment/202309/packages/{packageId}/shipping_documents: the label TikTok made for a shipped package. */
  getPackageShippingDocument(packageId: string, documentType: ShippingDocumentType): Promise<TikTokShopResult<{ doc_url: string; tracking_number?: string }>>;
  /** GET /logistics/202309/delivery_options/{deliveryOptionId}/shipping_providers. */
  getShippingProviders(deliveryOptionId: string): Promise<TikTokShopResult<{ shipping_providers: TikTokShippingProvider[] }>>;
}

/** The client the fulfilment saga uses: the shop client and its fulfilment calls, signed alike. */
export type TikTokShopFulfilmentClient = TikTokShopClient & TikTokFulfilmentApi;

const emptyData = z
  .looseObject({})
  .nullable()
  .optional()
  .transform((data): Record<string, unknown> => data ?? {});

const shippingDocumentSchema = z.looseObject({ doc_url: z.string().min(1), tracking_number: z.string().min(1).optional() });

const shippingProvidersSchema = z.looseObject({
  shipping_providers: z.array(z.looseObject({ id: z.string().min(1), name: z.string() })).default([]),
});

export function createTikTokFulfilmentApi(config: TikTokShopClientConfig): TikTokFulfilmentApi {
  const call = createSignedApiCall(config);
  return {
    shipPackageWithTikTokShipping(packageId, options = {}) {
      const body = options.handoverMethod === undefined ? {} : { handover_method: options.handoverMethod };
      return call("POST", `/fulfillment/202309/packages/${encodeURIComponent(packageId)}/ship`, {}, body, emptyData);
    },
    getPackageShippingDocument(packageId, documentType) {
      return call("GET", `/fulfillment/202309/packages/${encodeURIComponent(packageId)}/shipping_documents`, { document_type: documentType }, undefined, shippingDocumentSchema);
    },
    async getShippingProviders(deliveryOptionId) {
      const result = await call("GET", `/logistics/202309/delivery_options/${encodeURIComponent(deliveryOptionId)}/shipping_providers`, {}, undefined, shippingProvidersSchema);
      return { ...result, data: { shipping_providers: result.data.shipping_providers.map(({ id, name }) => ({ id, name })) } };
    },
  };
}

export function createTikTokShopFulfilmentClient(config: TikTokShopClientConfig): TikTokShopFulfilmentClient {
  return { ...createTikTokShopClient(config), ...createTikTokFulfilmentApi(config) };
}

const orderShippingSchema = z.looseObject({
  shipping_type: z.string().optional(),
  delivery_option_id: z.string().optional(),
  shipping_provider: z.string().optional(),
  shipping_provider_id: z.string().optional(),
});

export interface OrderShipping {
  /** Who carries the order: TikTok's shipping (TikTok makes the label) or the seller's own carrier. */
  shippedBy: "tiktok" | "seller";
  deliveryOptionId: string | null;
  packageIds: string[];
  shippingProvider: string | null;
  shippingProviderId: string | null;
}

/**
 * How an order ships, from its detail. An order that does not say is the seller's to ship:
 * TikTok names its own shipping explicitly, and treating an unknown order as TikTok's would
 * arrange a TikTok pickup nobody asked for.
 */
export function orderShippingOf(detail: TikTokOrderDetail): OrderShipping {
  const parsed = orderShippingSchema.safeParse(detail);
  const fields = parsed.success ? parsed.data : {};
  return {
    shippedBy: fields.shipping_type?.toUpperCase() === "TIKTOK" ? "tiktok" : "seller",
    deliveryOptionId: fields.delivery_option_id || null,
    packageIds: (detail.packages ?? []).map((entry) => entry.id),
    shippingProvider: fields.shipping_provider || null,
    shippingProviderId: fields.shipping_provider_id || null,
  };
}
