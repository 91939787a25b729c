import { describe, expect, it } from "vitest";
import { createSimulatedCarrier, createSimulatedPaymentGateway, ExternalServiceError } from "../../../src/core/fulfilment/index.ts";

const labelRequest = (orderId: string) => ({ orderId, idempotencyKey: `saga:${orderId}:label`, items: [{ skuId: "sku-1", quantity: 1 }] });

describe("simulated carrier", () => {
  it("returns the same label for the same idempotency key", async () => {
    const { carrier, labels } = createSimulatedCarrier();
    const first = await carrier.createLabel(labelRequest("1001"));
    const again = await carrier.createLabel(labelRequest("1001"));
    expect(again).toEqual(first);
    expect(labels()).toHaveLength(1);
    expect(await carrier.findLabel("saga:1001:label")).toEqual({ ...first, cancelled: false });
  });

  it("fails chosen orders permanently or transiently, as told", async () => {
    const { carrier, attempts } = createSimulatedCarrier({ failLabel: (orderId, attempt) => (orderId === "2002" ? "permanent" : orderId === "3003" && attempt === 1 ? "transient" : null) });
    await expect(carrier.createLabel(labelRequest("2002"))).rejects.toMatchObject({ name: "ExternalServiceError", service: "carrier", permanent: true });
    await expect(carrier.createLabel(labelRequest("3003"))).rejects.toMatchObject({ permanent: false });
    await expect(carrier.createLabel(labelRequest("3003"))).resolves.toMatchObject({ carrier: "SimPost" });
    expect(attempts("3003")).toBe(2);
  });

  it("fails a share of calls transiently, drawn from the random source it is given", async () => {
    const draws = [0.05, 0.5];
    const { carrier } = createSimulatedCarrier({ transientFailureRate: 0.1, random: () => draws.shift() ?? 0.99 });
    await expect(carrier.createLabel(labelRequest("4004"))).rejects.toBeInstanceOf(ExternalServiceError);
    await expect(carrier.createLabel(labelRequest("4004"))).resolves.toMatchObject({ labelId: expect.any(String) });
  });

  it("cancels a label it made and refuses one it never made", async () => {
    const { carrier } = createSimulatedCarrier();
    const label = await carrier.createLabel(labelRequest("5005"));
    await carrier.cancelLabel({ labelId: label.labelId });
    expect(await carrier.findLabel("saga:5005:label")).toMatchObject({ cancelled: true });
    await expect(carrier.cancelLabel({ labelId: "lbl_unknown" })).rejects.toMatchObject({ permanent: true });
  });
});

describe("simulated payment gateway", () => {
  const shop = { creatorId: "5f0c7d2e-8a43-4c4b-9d8e-2f1a3b4c5d6e", shopId: "7494726673780148744" };
  const request = (orderId: string) => ({ orderId, shop, amountMinor: 1798, currency: "USD", idempotencyKey: `saga:${orderId}:payment` });

  it("charges once per idempotency key", async () => {
    const { gateway, payments } = createSimulatedPaymentGateway();
    const first = await gateway.confirmPayment(request("1001"));
    expect(await gateway.confirmPayment(request("1001"))).toEqual(first);
    expect(payments()).toHaveLength(1);
    expect(first.status).toBe("captured");
  });

  it("refunds a captured payment and voids an authorization, each once", async () => {
    const captured = createSimulatedPaymentGateway();
    const payment = await captured.gateway.confirmPayment(request("2002"));
    await expect(captured.gateway.voidPayment({ reference: payment.reference })).rejects.toMatchObject({ permanent: true });
    await captured.gateway.refundPayment({ reference: payment.reference, amountMinor: 1798 });
    await captured.gateway.refundPayment({ reference: payment.reference, amountMinor: 1798 });
    expect(captured.payments()).toMatchObject([{ reversed: true, reversal: "refund" }]);

    const authorized = createSimulatedPaymentGateway({ settlement: "authorized" });
    const hold = await authorized.gateway.confirmPayment(request("3003"));
    await authorized.gateway.voidPayment({ reference: hold.reference });
    expect(await authorized.gateway.findPayment("saga:3003:payment")).toMatchObject({ status: "authorized", reversed: true });
  });

  it("declines chosen orders", async () => {
    const { gateway } = createSimulatedPaymentGateway({ failConfirmation: (orderId) => (orderId === "4004" ? "permanent" : null) });
    await expect(gateway.confirmPayment(request("4004"))).rejects.toMatchObject({ service: "payments", permanent: true });
    expect(await gateway.findPayment("saga:4004:payment")).toBeNull();
  });
});
