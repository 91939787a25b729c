// Each test file gets its own copy of the read models in a schema of its own and its own
// consumer names: projections process every event of the shared test database, so two
// files projecting into the same tables would count each other's work.
import type { Sql } from "postgres";
import { afterAll, beforeAll } from "vitest";
import { createEventStore, type NewEvent } from "../../../src/core/event-store/index.ts";
import { createConsumerRunner } from "../../../src/core/processing/index.ts";
import { allProjections, createReadModelSchema, projectionConsumer, shadowSchemaFor, type Projection } from "../../../src/core/projections/index.ts";
import { replayEvents } from "../../../src/core/replay/replay.ts";
import { connectTestDatabase } from "../database.ts";
import { uniqueId } from "../../test-data.ts";

export function readModelSchema(sql: Sql, label: string) {
  const schema = `rm_${label}_${uniqueId()}`;
  const store = createEventStore({ sql });
  beforeAll(async () => {
    await createReadModelSchema(sql, schema, allProjections);
  });
  afterAll(async () => {
    await sql`drop schema if exists ${sql(schema)} cascade`;
    await sql`drop schema if exists ${sql(shadowSchemaFor(schema))} cascade`;
  });

  const consumerName = (projection: Projection) => `${schema.replaceAll("_", "-")}-${projection.name}`;

  function consumers(projections: readonly Projection[] = allProjections, options: { publish?: boolean } = {}) {
    return projections.map((projection) => projectionConsumer(projection, { schema, name: consumerName(projection), publish: options.publish }));
  }

  /** Places the consumers at the end of the stream, so they see only what the test appends next. */
  async function startAtEndOfStream(projections: readonly Projection[] = allProjections): Promise<void> {
    // Past every transaction that has started (the snapshot's xmax), as the saga harness places its consumers.
    const [end] = await sql<{ transaction_id: string }[]>`select pg_snapshot_xmax(pg_current_snapshot())::text as transaction_id`;
    for (const projection of projections) {
      await sql`insert into consumer_checkpoints (consumer, transaction_id, position)
                values (${consumerName(projection)}, ${end!.transaction_id}::xid8, 0)
                on conflict (consumer) do nothing`;
    }
  }

  async function project(projections: readonly Projection[] = allProjections, options: { now?: () => Date } = {}) {
    const runner = createConsumerRunner({ sql, consumers: consumers(projections), owner: `test-${schema}`, now: options.now });
    return runner.drain({ budgetMs: 60_000 });
  }

  async function append(creatorId: string, aggregateId: string, events: NewEvent[]) {
    return store.appendToStream({ metadata: { source: "automated_system" }, creatorId, aggregateId, aggregateType: aggregateId.split("-")[0], events });
  }

  /** Replays a creator's events into the projection, as the admin's replay does (checkpoint untouched). */
  async function replay(projection: Projection, creatorId: string) {
    return replayEvents({ sql, filter: { creatorId, types: [...projection.handles] }, into: consumers([projection])[0]! });
  }

  const table = (name: string) => sql(`${schema}.${name}`);

  return { schema, store, consumerName, consumers, startAtEndOfStream, project, append, replay, table };
}

/**
 * The spec of one projection: the shared test database, read models of the file's own, and
 * the projection's consumer placed at the end of the stream before the first test, so it folds
 * only what the file appends.
 */
export function projectionSpec(label: string, projection: Projection) {
  const sql = connectTestDatabase();
  const models = readModelSchema(sql, label);
  beforeAll(() => models.startAtEndOfStream([projection]));
  return { sql, models };
}
