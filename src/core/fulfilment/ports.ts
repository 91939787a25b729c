// What the fulfilment saga needs from the outside world, as ports: a payment gateway and
// a carrier. Adapters (the local simulators here, real providers later) report failures
// as ExternalServiceError so the saga can tell "try again later" from "give up and undo".

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

export interface PaymentConfirmation {
  reference: string;
  /** An authorization is voided to undo it; a captured payment is refunded. */
  status: "authorized" | "captured";
  amountMinor: number;
  currency: string;
}

export interface PaymentGateway {
  /** Same idempotency key, same confirmation: a retried step never charges twice. */
  confirmPayment(request: { orderId: string; amountMinor: number; currency: string; idempotencyKey: string }): Promise<PaymentConfirmation>;
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
}

export interface LabelRequest {
  orderId: string;
  idempotencyKey: string;
  items: { skuId: string; quantity: number }[];
}

export interface Carrier {
  /** Same idempotency key, same label: a retried step never buys two. */
  createLabel(request: LabelRequest): Promise<ShippingLabel>;
  /** The label created with this key, if any, and whether it is still valid. */
  findLabel(idempotencyKey: string): Promise<(ShippingLabel & { cancelled: boolean }) | null>;
  cancelLabel(request: { labelId: string }): Promise<void>;
}
