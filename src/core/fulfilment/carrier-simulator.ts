// A local carrier for development and tests: labels kept in memory, idempotent by key,
// with failures injected on demand: a share of calls (seeded, so runs repeat), or chosen
// orders, either permanent (the carrier refuses) or transient (it times out).
import type { InjectedFailure } from "./payment-simulator.ts";
import { ExternalServiceError, type Carrier, type LabelRequest, type ShippingLabel } from "./ports.ts";

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
  const labelsByKey = new Map<string, SimulatedLabel>();
  const labelsById = new Map<string, SimulatedLabel>();
  const attemptsByOrder = new Map<string, number>();
  let sequence = 0;

  const carrier: Carrier = {
    name,
    async createLabel(request: LabelRequest) {
      const existing = labelsByKey.get(request.idempotencyKey);
      if (existing) return labelOf(existing);
      const attempt = (attemptsByOrder.get(request.orderId) ?? 0) + 1;
      attemptsByOrder.set(request.orderId, attempt);
      const failure = options.failLabel?.(request.orderId, attempt) ?? ((options.transientFailureRate ?? 0) > random() ? "transient" : null);
      if (failure) {
        throw new ExternalServiceError("carrier", failure === "permanent", `${name} ${failure === "permanent" ? "refused" : "could not create"} a label for order ${request.orderId}`);
      }
      sequence += 1;
      const label: SimulatedLabel = {
        labelId: `lbl_sim_${sequence}_${request.orderId}`,
        carrier: name,
        trackingNumber: `SIM${String(sequence).padStart(6, "0")}${request.orderId.slice(-8)}`,
        shippingProviderId,
        orderId: request.orderId,
        idempotencyKey: request.idempotencyKey,
        cancelled: false,
      };
      labelsByKey.set(request.idempotencyKey, label);
      labelsById.set(label.labelId, label);
      return labelOf(label);
    },
    async findLabel(idempotencyKey) {
      const label = labelsByKey.get(idempotencyKey);
      return label ? { ...labelOf(label), cancelled: label.cancelled } : null;
    },
    async cancelLabel({ labelId }) {
      const label = labelsById.get(labelId);
      if (!label) throw new ExternalServiceError("carrier", true, `no label ${labelId}`);
      label.cancelled = true;
    },
  };

  return {
    carrier,
    /** Every label bought, cancelled or not, for tests and the dev dashboard. */
    labels: () => [...labelsById.values()].map((label) => ({ ...label })),
    /** createLabel attempts per order, failed ones included. */
    attempts: (orderId: string) => attemptsByOrder.get(orderId) ?? 0,
  };
}

function labelOf(label: SimulatedLabel): ShippingLabel {
  return { labelId: label.labelId, carrier: label.carrier, trackingNumber: label.trackingNumber, shippingProviderId: label.shippingProviderId };
}
