// What the fulfilment saga needs from the outside world, as ports: a payment gateway and
// a carrier, and TikTok Shop's API for the shop an order belongs to. Adapters (TikTok's
// own payment record, the local simulators, real carriers later) report failures as
// ExternalServiceError so the saga can tell "try again later" from "give up and undo".
import type { TikTokShopFulfilmentClient } from "../channels/tiktok-shop/fulfilment-api.ts";

/** The signed TikTok Shop client for a creator's shop (credentials differ per shop). */
export type TikTokClientProvider = (shop: ShopRef) => TikTokShopFulfilmentClient | Promise<TikTokShopFulfilmentClient>;

export interface ShopRef {
  creatorId: string;
  shopId: string;
}

export class ExternalServiceError extends Error {
  override readonly name = "ExternalServiceError";

  constructor(
    readonly service: "payments" | "carrier",
    /** True when retrying cannot help (a declined card, an address the carrier refuses). */
    readonly permanent: boolean,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The buyer has not paid yet, by the payment provider's own account: the saga waits for
 * the payment (as it waits for an order TikTok reports UNPAID) rather than failing.
 */
export class PaymentNotYetMade extends Error {
  override readonly name = "PaymentNotYetMade";
}

export interface PaymentConfirmation {
  reference: string;
  /**
   * An authorization is voided to undo it; a captured payment is refunded; a payment TikTok
   * collected stays with TikTok, which refunds the buyer when the order is cancelled there.
   */
  status: "authorized" | "captured" | "collected_by_tiktok";
  amountMinor: number;
  currency: string;
  /** TikTok's own record of the payment, when TikTok collected it. */
  tiktok?: TikTokPaymentRecord;
}

/** From the order detail's `paid_time` and `payment`: what the buyer paid TikTok, in minor units. */
export interface TikTokPaymentRecord {
  paidTime: number;
  subtotalMinor: number;
  shippingFeeMinor: number;
  taxMinor: number;
  /** The buyer's total: subtotal, shipping, taxes and fees. */
  totalAmountMinor: number;
}

export interface PaymentRequest {
  orderId: string;
  shop: ShopRef;
  /** What the saga validated; a provider that knows the real amounts reports its own. */
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
}

export interface PaymentGateway {
  /** Same idempotency key, same confirmation: a retried step never charges twice. Throws PaymentNotYetMade to make the saga wait. */
  confirmPayment(request: PaymentRequest): Promise<PaymentConfirmation>;
  /** The payment made with this key, if any: how a compensation finds a payment whose confirmation was never recorded. */
  findPayment(idempotencyKey: string): Promise<(PaymentConfirmation & { reversed: boolean }) | null>;
  voidPayment(request: { reference: string }): Promise<void>;
  refundPayment(request: { reference: string; amountMinor: number }): Promise<void>;
}

export interface ShippingLabel {
  labelId: string;
  carrier: string;
  trackingNumber: string;
  /** TikTok's shipping provider id for this carrier, for the ship call. */
  shippingProviderId: string;
  /** "tiktok": TikTok's shipping made the label (and holds the package's handover); otherwise the seller's carrier did. */
  madeBy?: "tiktok" | "carrier";
  /** TikTok's package the label is for. */
  packageId?: string;
}

export interface LabelRequest {
  orderId: string;
  idempotencyKey: string;
  items: { skuId: string; quantity: number }[];
}

export interface Carrier {
  /** The carrier's name, as TikTok's shipping providers name it (matched without regard to case). */
  readonly name: string;
  /** Same idempotency key, same label: a retried step never buys two. */
  createLabel(request: LabelRequest): Promise<ShippingLabel>;
  /** The label created with this key, if any, and whether it is still valid. */
  findLabel(idempotencyKey: string): Promise<(ShippingLabel & { cancelled: boolean }) | null>;
  cancelLabel(request: { labelId: string }): Promise<void>;
}
