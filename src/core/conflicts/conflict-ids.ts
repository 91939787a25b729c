// Deterministic ids: the same triggering event always names the same conflict, so a
// redelivered event or a retried consumer cannot raise a conflict twice.

/** A UUID (RFC 9562 version 8, name-based via SHA-256) for a name. */
export async function deterministicUuid(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const conflictIdFor = (triggerId: string, conflictKind: string) => deterministicUuid(`sync-conflict:${conflictKind}:${triggerId}`);
