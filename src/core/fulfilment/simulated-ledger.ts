// What the local payment gateway and carrier keep in memory, and how both answer a repeated
// call as a real provider does: the same idempotency key gets what the first call made, and
// each order's attempts are counted (failed ones too) so that failures can be injected per
// attempt. The records stay mutable: a void, refund or cancellation marks them.
import { ExternalServiceError } from "./ports.ts";

export function createSimulatedLedger<Entry>(service: ExternalServiceError["service"], idOf: (entry: Entry) => string) {
  const byKey = new Map<string, Entry>();
  const byId = new Map<string, Entry>();
  const attemptsByOrder = new Map<string, number>();
  let sequence = 0;

  return {
    /** What an earlier call with this idempotency key made, if one did. */
    madeWith: (idempotencyKey: string): Entry | undefined => byKey.get(idempotencyKey),
    /** Counts an attempt for the order; its number, from 1. */
    attempt(orderId: string): number {
      const attempt = (attemptsByOrder.get(orderId) ?? 0) + 1;
      attemptsByOrder.set(orderId, attempt);
      return attempt;
    },
    /** Keeps what a call made under its key and its id; `make` is given the entry's sequence number, from 1. */
    record(idempotencyKey: string, make: (sequence: number) => Entry): Entry {
      sequence += 1;
      const entry = make(sequence);
      byKey.set(idempotencyKey, entry);
      byId.set(idOf(entry), entry);
      return entry;
    },
    /** The entry with this id; a permanent failure when there is none, as a provider refuses an unknown id. */
    get(id: string, what: string): Entry {
      const entry = byId.get(id);
      if (!entry) throw new ExternalServiceError(service, true, `no ${what} ${id}`);
      return entry;
    },
    all: (): Entry[] => [...byId.values()],
    attempts: (orderId: string): number => attemptsByOrder.get(orderId) ?? 0,
  };
}
