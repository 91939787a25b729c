// Typed errors of the event store. Codes map to HTTP statuses at the adapters
// (validation 400, forbidden 403, not found 404, concurrency 412).

export type EventStoreErrorCode = "validation" | "forbidden" | "not_found" | "concurrency";

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EventStoreError";
  }
}

export type ExpectedVersion = number | "no_stream" | "any" | "stream_exists";
export type ActualVersion = number | "no_stream";

export class ConcurrencyError extends EventStoreError {
  constructor(
    readonly aggregateId: string,
    readonly expected: ExpectedVersion,
    readonly actual: ActualVersion,
  ) {
    super("concurrency", `Stream ${aggregateId} is at version ${actual}, expected ${expected}`);
    this.name = "ConcurrencyError";
  }
}

export class EventValidationError extends EventStoreError {
  constructor(
    message: string,
    readonly eventType: string,
    readonly fields: string[],
  ) {
    super("validation", message);
    this.name = "EventValidationError";
  }
}

export class WrongTenantError extends EventStoreError {
  constructor(readonly aggregateId: string) {
    super("forbidden", `Stream ${aggregateId} belongs to another creator`);
    this.name = "WrongTenantError";
  }
}
