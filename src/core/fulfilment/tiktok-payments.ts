// The payment step for TikTok Shop orders. TikTok collects the buyer's payment itself:
// there is no card to charge, so "confirming" the payment means reading TikTok's account
// of it from the order detail (`paid_time`, `payment`) and recording that, with TikTok's
// amounts. Paid only when TikTok says so; until then the saga waits (PaymentNotYetMade).
// TikTok, not this gateway, gives the money back: it refunds the buyer when the order is
// cancelled on TikTok, so there is nothing here to void or refund.
import { decimalAmountToMinor, type TikTokOrderDetail } from "../channels/tiktok-shop/api-client.ts";
import { normalizeOrderStatus } from "../channels/tiktok-shop/order-status.ts";
import { ExternalServiceError, PaymentNotYetMade, type PaymentConfirmation, type PaymentGateway, type TikTokClientProvider } from "./ports.ts";

/** TikTok's payment for an order, from its detail; throws PaymentNotYetMade while TikTok reports it unpaid. */
export function tiktokPaymentOf(detail: TikTokOrderDetail): PaymentConfirmation {
  if (detail.paid_time === undefined || normalizeOrderStatus(detail.status) === "UNPAID") {
    throw new PaymentNotYetMade(`TikTok has not reported order ${detail.id} as paid`);
  }
  const { currency } = detail.payment;
  let amounts: { subtotalMinor: number; shippingFeeMinor: number; taxMinor: number; totalAmountMinor: number };
  try {
    amounts = {
      subtotalMinor: decimalAmountToMinor(detail.payment.sub_total, currency),
      shippingFeeMinor: decimalAmountToMinor(detail.payment.shipping_fee, currency),
      taxMinor: detail.payment.tax === undefined ? 0 : decimalAmountToMinor(detail.payment.tax, currency),
      totalAmountMinor: decimalAmountToMinor(detail.payment.total_amount, currency),
    };
  } catch (error) {
    throw new ExternalServiceError("payments", true, `TikTok's payment amounts for order ${detail.id} are unusable: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    // TikTok names no payment of its own: its order id is what its statements settle the payment under.
    reference: `tiktok-order-${detail.id}`,
    status: "collected_by_tiktok",
    amountMinor: amounts.subtotalMinor + amounts.shippingFeeMinor,
    currency,
    tiktok: { paidTime: detail.paid_time, ...amounts },
  };
}

export function createTikTokPaymentGateway(options: { tiktok: TikTokClientProvider }): PaymentGateway {
  const refundedByTikTok = (reference: string) =>
    new ExternalServiceError("payments", true, `payment ${reference} was collected by TikTok: cancelling the order on TikTok refunds the buyer`);
  return {
    async confirmPayment({ orderId, shop }) {
      const client = await options.tiktok(shop);
      const { data } = await client.getOrderDetails([orderId]);
      const detail = data.orders.find((candidate) => candidate.id === orderId);
      if (!detail) throw new ExternalServiceError("payments", true, `TikTok does not know order ${orderId}`);
      return tiktokPaymentOf(detail);
    },
    // Reading TikTok's record takes no money: there is never a payment of ours to find and undo.
    async findPayment() {
      return null;
    },
    async voidPayment({ reference }) {
      throw refundedByTikTok(reference);
    },
    async refundPayment({ reference }) {
      throw refundedByTikTok(reference);
    },
  };
}
