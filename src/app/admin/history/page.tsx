import type { Metadata } from "next";
import Link from "next/link";
import { DomainError } from "@/core/domain-error.ts";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { entityHistoryQuerySchema } from "@/server/admin/admin-schemas.ts";
import { readEntityHistory, readEventLinks, type EntityHistory, type EventLinks, type TimelineEvent } from "@/server/admin/entity-history.ts";
import { databaseClient } from "@/server/database.ts";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { AdminPanel, AdminTablePanel, FilterField, FilterForm, firstParam, IdItem } from "@/app/admin/_components/admin-panel.tsx";
import { ProblemNotice, readOrProblem } from "@/app/admin/_components/problem-notice.tsx";

export const metadata: Metadata = { title: "History" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entityOf(event: TimelineEvent): { kind: "order" | "product"; id: string } | null {
  if (event.aggregateId.startsWith("order-")) return { kind: "order", id: event.aggregateId.slice("order-".length) };
  if (event.aggregateId.startsWith("inventory-")) return { kind: "product", id: event.aggregateId.slice("inventory-".length) };
  return null;
}

function EventLink({ id, label }: { id: string; label?: string }) {
  return (
    <Link href={`/admin/history?event=${id}`} className={styles.mono}>
      {label ?? id}
    </Link>
  );
}

function LinkedEventList({ title, events }: { title: string; events: TimelineEvent[] }) {
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      {events.length === 0 ? (
        <p className="section-note">None.</p>
      ) : (
        <ol>
          {events.map((event) => (
            <li key={event.id}>
              <EventLink id={event.id} label={`${event.type} (${event.aggregateId} v${event.version})`} /> <time dateTime={event.occurredAt}>{formatUtcTime(event.occurredAt, "milliseconds")}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function EventLinksView({ links }: { links: EventLinks }) {
  const { event } = links;
  const entity = entityOf(event);
  return (
    <>
      <AdminPanel
        panelId="event"
        title={
          <>
            Event <span className={styles.mono}>{event.type}</span>
          </>
        }
      >
        <ul className={styles.meta}>
          <IdItem label="Id" id={event.id} />
          <li>
            Stream{" "}
            {entity ? (
              <Link href={`/admin/history?kind=${entity.kind}&id=${encodeURIComponent(entity.id)}&version=${event.version}`} className={styles.mono}>
                {event.aggregateId} v{event.version}
              </Link>
            ) : (
              <span className={styles.mono}>
                {event.aggregateId} v{event.version}
              </span>
            )}
          </li>
          <li>
            <time dateTime={event.occurredAt}>{formatUtcTime(event.occurredAt, "milliseconds")}</time>
          </li>
          <IdItem label="Creator" id={event.creatorId} />
          {event.userId ? <IdItem label="User" id={event.userId} /> : null}
          <li>Correlation {event.correlationId ? <span className={styles.mono}>{event.correlationId}</span> : "none"}</li>
          <li>
            <Link href={`/admin/journey?event=${event.id}`}>Its journey</Link>
          </li>
        </ul>
        <pre className={styles.pre}>{JSON.stringify({ data: event.data, metadata: event.metadata }, null, 2)}</pre>
      </AdminPanel>
      <LinkedEventList title="Caused by" events={links.cause ? [links.cause] : []} />
      <LinkedEventList title="Caused" events={links.effects} />
      <LinkedEventList title="Same correlation" events={links.correlated} />
    </>
  );
}

function TimelineView({ history }: { history: EntityHistory }) {
  const base = `/admin/history?kind=${history.kind}&id=${encodeURIComponent(history.id)}`;
  return (
    <div className={styles.twoColumns}>
      <AdminTablePanel
        panelId="timeline"
        title={
          <>
            Timeline of <span className={styles.mono}>{history.aggregateId}</span> ({history.headVersion} events)
          </>
        }
        before={
          <>
            {history.kind === "order" ? (
              <p>
                <Link href={`/admin/journey?order=${encodeURIComponent(history.id)}`}>This order&apos;s journey, hop by hop</Link>
              </p>
            ) : null}
            {history.truncated ? <p className="section-note">Showing the newest {history.events.length} events.</p> : null}
          </>
        }
        columns={[{ label: "Version" }, { label: "Event" }, { label: "When" }, { label: "Caused by" }, { label: "Correlation" }]}
      >
        {history.events.map((event) => (
          <tr key={event.id} className={event.version === history.stateVersion ? styles.current : undefined} aria-current={event.version === history.stateVersion ? "step" : undefined}>
            <td className="numeric">
              <Link href={`${base}&version=${event.version}`} aria-label={`State at version ${event.version}`}>
                v{event.version}
              </Link>
            </td>
            <th scope="row">
              <EventLink id={event.id} label={event.type} />
            </th>
            <td>
              <time dateTime={event.occurredAt}>{formatUtcTime(event.occurredAt, "milliseconds")}</time>
            </td>
            <td>{event.causationId ? <EventLink id={event.causationId} label={event.causationId.slice(0, 8)} /> : "—"}</td>
            <td>{event.correlationId ? <EventLink id={event.id} label={event.correlationId.slice(0, 8)} /> : "—"}</td>
          </tr>
        ))}
      </AdminTablePanel>
      <AdminPanel
        panelId="state"
        title={
          <>
            State at version {history.stateVersion}
            {history.stateVersion === history.headVersion ? " (latest)" : ""}
          </>
        }
      >
        <pre className={styles.pre} data-testid="state-at-version">
          {JSON.stringify(history.state, null, 2)}
        </pre>
      </AdminPanel>
    </div>
  );
}

export default async function HistoryPage({ searchParams }: { searchParams: SearchParams }) {
  const admin = await readAdminForPage("/admin/history");
  const params = await searchParams;
  const eventId = firstParam(params.event);
  const raw = { kind: firstParam(params.kind) ?? "order", id: firstParam(params.id) ?? "", version: firstParam(params.version) ?? "", time: firstParam(params.time) ?? "" };

  const { value: found, problem } = await readOrProblem(async (): Promise<{ history?: EntityHistory; links?: EventLinks }> => {
    if (eventId) {
      if (!uuidPattern.test(eventId)) throw new DomainError("not_found", "That is not an event id");
      return { links: await readEventLinks(databaseClient(), eventId) };
    }
    if (!raw.id) return {};
    const query = entityHistoryQuerySchema.safeParse(raw);
    if (!query.success) throw new DomainError("validation", "Give an order id or SKU id (letters and digits), and optionally a version or an ISO time.");
    const { kind, id, version, time } = query.data;
    return { history: await readEntityHistory(databaseClient(), { kind, id, at: version !== undefined ? { version } : time ? { time } : undefined }) };
  });
  const history = found?.history ?? null;
  const links = found?.links ?? null;

  return (
    <main id="main">
      <h1>History</h1>
      <p className="page-intro">Every event of an order or a product (SKU), its state at any version or point in time, and the events linked to each by correlation and causation.</p>
      <FilterForm label="Find a history" submitLabel="Show history">
        <FilterField label="Kind">
          <select name="kind" defaultValue={raw.kind}>
            <option value="order">Order</option>
            <option value="product">Product (SKU)</option>
          </select>
        </FilterField>
        <FilterField label="Order id or SKU id">
          <input name="id" required defaultValue={raw.id} autoComplete="off" />
        </FilterField>
        <FilterField label="At version">
          <input name="version" type="number" min={0} defaultValue={raw.version} />
        </FilterField>
        <FilterField label="Or at time (UTC)">
          <input name="time" type="datetime-local" step={1} defaultValue={raw.time} />
        </FilterField>
      </FilterForm>
      <ProblemNotice problem={problem} />
      {links ? <EventLinksView links={links} /> : null}
      {history ? <TimelineView history={history} /> : null}
    </main>
  );
}
