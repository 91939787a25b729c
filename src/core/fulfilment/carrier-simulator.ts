// A local carrier for development and tests: labels kept in memory, idempotent by key,
// with failures injected on demand: a share of calls (seeded, so runs repeat), or chosen
// orders, either permanent (the carrier refuses) or transient (it times out).
import type { InjectedFailure } from "./payment-simulator.ts";
import { ExternalServiceError, type Carrier, type LabelRequest, type ShippingLabel } from "./ports.ts";
import { createSimulatedLedger } from "./simulated-ledger.ts";

export interface SimulatedCarrierOptions {
  name?: string;
  /** TikTok's id for this shipping provider. */
  shippingProviderId?: string;
  /** Share of createLabel calls that fail transiently, drawn from `random`. */
  transientFailureRate?: number;
  /** A [0, 1) source for the failure rate; pass a seeded one for repeatable runs. */
  random?: () => number;
  /** Decides, per createLabel attempt for an order, whether it fails and how. */
  failLabel?: (orderId: string, attempt: number) => InjectedFailure | null;
}

interface SimulatedLabel extends ShippingLabel {
  orderId: string;
  idempotencyKey: string;
  cancelled: boolean;
}

export function createSimulatedCarrier(options: SimulatedCarrierOptions = {}) {
  const name = options.name ?? "SimPost";
  const shippingProviderId = options.shippingProviderId ?? "6617675021119438849";
  const random = options.random ?? Math.random;
  const labels = createSimulatedLedger<SimulatedLabel>("carrier", (label) => label.labelId);

  const carrier: Carrier = {
    name,
    async createLabel(request: LabelRequest) {
      const existing = labels.madeWith(request.idempotencyKey);
      if (existing) return labelOf(existing);
      const attempt = labels.attempt(request.orderId);
      const failure = options.failLabel?.(request.orderId, attempt) ?? ((options.transientFailureRate ?? 0) > random() ? "transient" : null);
      if (failure) {
        throw new ExternalServiceError("carrier", failure === "permanent", `${name} ${failure === "permanent" ? "refused" : "could not create"} a label for order ${request.orderId}`);
      }
      const { orderId, idempotencyKey } = request;
      const trackingNumber = (sequence: number) => `SIM${String(sequence).padStart(6, "0")}${orderId.slice(-8)}`;
      const label = labels.record(idempotencyKey, (sequence) => ({
        labelId: `lbl_sim_${sequence}_${orderId}`,
        carrier: name,
        trackingNumber: trackingNumber(sequence),
        shippingProviderId,
        orderId,
        idempotencyKey,
        cancelled: false,
      }));
      return labelOf(label);
    },
    async findLabel(idempotencyKey) {
      const label = labels.madeWith(idempotencyKey);
      return label ? { ...labelOf(label), cancelled: label.cancelled } : null;
    },
    async cancelLabel({ labelId }) {
      labels.get(labelId, "label").cancelled = true;
    },
  };

  return {
    carrier,
    /** Every label bought, cancelled or not, for tests and the dev dashboard. */
    labels: () => labels.all().map((label) => ({ ...label })),
    /** createLabel attempts per order, failed ones included. */
    attempts: labels.attempts,
  };
}

function labelOf(label: SimulatedLabel): ShippingLabel {
  return { labelId: label.labelId, carrier: label.carrier, trackingNumber: label.trackingNumber, shippingProviderId: label.shippingProviderId };
}
