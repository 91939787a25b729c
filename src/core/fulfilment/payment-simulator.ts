// A local payment gateway for development and tests: payments kept in memory, idempotent
// by key, with failures injected on demand (a share of calls, or chosen orders).
import { ExternalServiceError, type PaymentConfirmation, type PaymentGateway } from "./ports.ts";
import { createSimulatedLedger } from "./simulated-ledger.ts";

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
  const payments = createSimulatedLedger<SimulatedPayment>("payments", (payment) => payment.reference);

  const gateway: PaymentGateway = {
    async confirmPayment({ orderId, amountMinor, currency, idempotencyKey }) {
      const existing = payments.madeWith(idempotencyKey);
      if (existing) return confirmationOf(existing);
      const failure = options.failConfirmation?.(orderId, payments.attempt(orderId)) ?? null;
      if (failure) throw new ExternalServiceError("payments", failure === "permanent", `payment for order ${orderId} ${failure === "permanent" ? "declined" : "timed out"}`);
      const status = options.settlement ?? "captured";
      const payment = payments.record(idempotencyKey, (sequence) => ({ reference: `pay_sim_${sequence}_${orderId}`, status, amountMinor, currency, orderId, reversed: false, reversal: null }));
      return confirmationOf(payment);
    },
    async findPayment(idempotencyKey) {
      const payment = payments.madeWith(idempotencyKey);
      return payment ? { ...confirmationOf(payment), reversed: payment.reversed } : null;
    },
    async voidPayment({ reference }) {
      const payment = payments.get(reference, "payment");
      if (payment.reversed) return;
      if (payment.status !== "authorized") throw new ExternalServiceError("payments", true, `payment ${reference} is captured: refund it instead`);
      payment.reversed = true;
      payment.reversal = "void";
    },
    async refundPayment({ reference, amountMinor }) {
      const payment = payments.get(reference, "payment");
      if (payment.reversed) return;
      if (amountMinor > payment.amountMinor) throw new ExternalServiceError("payments", true, `refund of ${amountMinor} exceeds payment ${reference}`);
      payment.reversed = true;
      payment.reversal = "refund";
    },
  };

  return {
    gateway,
    /** Every payment taken, for tests and the dev dashboard. */
    payments: () => payments.all().map((payment) => ({ ...payment })),
  };
}

function confirmationOf(payment: SimulatedPayment): PaymentConfirmation {
  return { reference: payment.reference, status: payment.status, amountMinor: payment.amountMinor, currency: payment.currency };
}
