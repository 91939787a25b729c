// A local payment gateway for development and tests: payments kept in memory, idempotent
// by key, with failures injected on demand (a share of calls, or chosen orders).
import { ExternalServiceError, type PaymentConfirmation, type PaymentGateway } from "./ports.ts";

export type InjectedFailure = "permanent" | "transient";

export interface SimulatedPaymentGatewayOptions {
  /** "captured" (the default) takes the money at once; "authorized" holds it, so undoing it is a void. */
  settlement?: "captured" | "authorized";
  /** Decides, per confirmation attempt, whether it fails and how. */
  failConfirmation?: (orderId: string, attempt: number) => InjectedFailure | null;
}

interface SimulatedPayment extends PaymentConfirmation {
  orderId: string;
  reversed: boolean;
  reversal: "void" | "refund" | null;
}

export function createSimulatedPaymentGateway(options: SimulatedPaymentGatewayOptions = {}) {
  const paymentsByKey = new Map<string, SimulatedPayment>();
  const paymentsByReference = new Map<string, SimulatedPayment>();
  const attemptsByOrder = new Map<string, number>();
  let sequence = 0;

  const gateway: PaymentGateway = {
    async confirmPayment({ orderId, amountMinor, currency, idempotencyKey }) {
      const existing = paymentsByKey.get(idempotencyKey);
      if (existing) return confirmationOf(existing);
      const attempt = (attemptsByOrder.get(orderId) ?? 0) + 1;
      attemptsByOrder.set(orderId, attempt);
      const failure = options.failConfirmation?.(orderId, attempt) ?? null;
      if (failure) throw new ExternalServiceError("payments", failure === "permanent", `payment for order ${orderId} ${failure === "permanent" ? "declined" : "timed out"}`);
      sequence += 1;
      const payment: SimulatedPayment = {
        reference: `pay_sim_${sequence}_${orderId}`,
        status: options.settlement ?? "captured",
        amountMinor,
        currency,
        orderId,
        reversed: false,
        reversal: null,
      };
      paymentsByKey.set(idempotencyKey, payment);
      paymentsByReference.set(payment.reference, payment);
      return confirmationOf(payment);
    },
    async findPayment(idempotencyKey) {
      const payment = paymentsByKey.get(idempotencyKey);
      return payment ? { ...confirmationOf(payment), reversed: payment.reversed } : null;
    },
    async voidPayment({ reference }) {
      const payment = paymentFor(reference);
      if (payment.reversed) return;
      if (payment.status !== "authorized") throw new ExternalServiceError("payments", true, `payment ${reference} is captured: refund it instead`);
      payment.reversed = true;
      payment.reversal = "void";
    },
    async refundPayment({ reference, amountMinor }) {
      const payment = paymentFor(reference);
      if (payment.reversed) return;
      if (amountMinor > payment.amountMinor) throw new ExternalServiceError("payments", true, `refund of ${amountMinor} exceeds payment ${reference}`);
      payment.reversed = true;
      payment.reversal = "refund";
    },
  };

  function paymentFor(reference: string): SimulatedPayment {
    const payment = paymentsByReference.get(reference);
    if (!payment) throw new ExternalServiceError("payments", true, `no payment ${reference}`);
    return payment;
  }

  return {
    gateway,
    /** Every payment taken, for tests and the dev dashboard. */
    payments: () => [...paymentsByReference.values()].map((payment) => ({ ...payment })),
  };
}

function confirmationOf(payment: SimulatedPayment): PaymentConfirmation {
  return { reference: payment.reference, status: payment.status, amountMinor: payment.amountMinor, currency: payment.currency };
}
