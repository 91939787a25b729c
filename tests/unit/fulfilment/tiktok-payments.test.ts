import { describe, expect, it } from "vitest";
import { ExternalServiceError, PaymentNotYetMade, tiktokPaymentOf } from "../../../src/core/fulfilment/index.ts";
import type { TikTokOrderDetail } from "../../../src/core/channels/tiktok-shop/api-client.ts";

function detail(overrides: Partial<TikTokOrderDetail> = {}): TikTokOrderDetail {
  return {
    id: "576684019603311365",
    status: "AWAITING_SHIPMENT",
    create_time: 1764000000,
    update_time: 1764000100,
    paid_time: 1764000060,
    payment: { currency: "USD", sub_total: "25.98", shipping_fee: "4.99", tax: "2.48", total_amount: "33.45" },
    line_items: [],
    ...overrides,
  };
}

describe("TikTok's payment for an order", () => {
  it("is the payment TikTok collected, with TikTok's amounts and time", () => {
    expect(tiktokPaymentOf(detail())).toEqual({
      reference: "tiktok-order-576684019603311365",
      status: "collected_by_tiktok",
      amountMinor: 2598 + 499,
      currency: "USD",
      tiktok: { paidTime: 1764000060, subtotalMinor: 2598, shippingFeeMinor: 499, taxMinor: 248, totalAmountMinor: 3345 },
    });
  });

  it("is not made while TikTok reports no payment time, or the order UNPAID", () => {
    expect(() => tiktokPaymentOf(detail({ paid_time: undefined }))).toThrow(PaymentNotYetMade);
    expect(() => tiktokPaymentOf(detail({ status: "UNPAID" }))).toThrow(PaymentNotYetMade);
  });

  it("counts a missing tax as none, and refuses amounts it cannot read exactly", () => {
    expect(tiktokPaymentOf(detail({ payment: { currency: "JPY", sub_total: "1200", shipping_fee: "300", total_amount: "1500" } }))).toMatchObject({
      amountMinor: 1500,
      tiktok: { taxMinor: 0, totalAmountMinor: 1500 },
    });
    const failure = (() => {
      try {
        return tiktokPaymentOf(detail({ payment: { currency: "USD", sub_total: "25.981", shipping_fee: "4.99", total_amount: "30.97" } }));
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure).toMatchObject({ service: "payments", permanent: true });
  });
});
