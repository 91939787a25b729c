// Errors a decision raises; adapters map the codes to HTTP statuses
// (validation 400, illegal_state 403, not_found 404).

export type DomainErrorCode = "validation" | "illegal_state" | "not_found";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const illegalState = (message: string) => new DomainError("illegal_state", message);
