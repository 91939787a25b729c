// Upcasters turn an event stored at an older schema version into the current shape on
// read, one version step at a time, so stored events are never rewritten.

/** Turns the payload of schema version N into version N + 1. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** event type → the schema version an upcaster reads → the upcaster. */
export type UpcasterRegistry = Record<string, Record<number, Upcaster>>;

export function upcastEvent(
  registry: UpcasterRegistry,
  type: string,
  schemaVersion: number,
  data: Record<string, unknown>,
): { schemaVersion: number; data: Record<string, unknown> } {
  const steps = registry[type];
  if (!steps) return { schemaVersion, data };
  let version = schemaVersion;
  let current = data;
  while (steps[version]) {
    current = steps[version](current);
    version += 1;
  }
  return { schemaVersion: version, data: current };
}
