"use client";

import { useEffect, useMemo, useState, useSyncExternalStore, type CSSProperties } from "react";
import { ScrollingTable } from "@/components/scrolling-table.tsx";
import type { EventStoreOverview, LatestEvent } from "@/server/admin/event-store-overview.ts";

const POLL_INTERVAL_MS = 2_000;
const OVERVIEW_URL = "/api/admin/event-store";
const UNREACHABLE_AFTER_FAILURES = 3;

type ConnectionState = "live" | "reconnecting" | "unreachable";

const connectionLabels: Record<ConnectionState, string> = {
  live: "Live",
  reconnecting: "Reconnecting…",
  unreachable: "Database unreachable",
};

export function EventStoreLive({ initialOverview }: { initialOverview: EventStoreOverview | null }) {
  const { overview, connectionState, announcement } = useOverviewPolling(initialOverview);
  const newEventIds = useNewEventIds(overview?.latestEvents ?? []);
  const formatting = useDisplayFormatting();
  const isEmpty = overview !== null && overview.totalEvents === 0;

  return (
    <>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>

      <StoreSummary overview={overview} connectionState={connectionState} formatCount={formatting.count} />

      {overview === null ? (
        <section className="panel notice" aria-labelledby="unreachable-heading">
          <h2 id="unreachable-heading">The event store cannot be read</h2>
          <p>
            Start the local stack with <code>npm run dev</code>, or check that <code>DATABASE_URL</code> points at
            a reachable database. This page retries on its own.
          </p>
        </section>
      ) : isEmpty ? (
        <section className="panel empty-state" aria-labelledby="empty-heading">
          <h2 id="empty-heading">No events yet</h2>
          <p>
            Run <code>npm run simulate</code> in another terminal: it posts TikTok Shop webhooks, and the events
            they produce appear here within a few seconds, without reloading.
          </p>
        </section>
      ) : (
        <div className="panel-grid">
          <section className="panel" aria-labelledby="events-per-type-caption">
            <EventsPerTypeTable overview={overview} formatCount={formatting.count} />
          </section>
          <section className="panel" aria-labelledby="latest-events-caption">
            <LatestEventsTable events={overview.latestEvents} newEventIds={newEventIds} formatting={formatting} />
          </section>
        </div>
      )}
    </>
  );
}

/**
 * The overview, polled every two seconds while the tab is visible, with the connection's
 * state and what to announce to screen readers (new events, a lost or restored connection).
 * Over 60 lines as one effect: the poll, its schedule and the visibility listener share the
 * timer and the request in flight, and are torn down together.
 */
function useOverviewPolling(initialOverview: EventStoreOverview | null) {
  const [overview, setOverview] = useState(initialOverview);
  const [connectionState, setConnectionState] = useState<ConnectionState>(initialOverview ? "live" : "unreachable");
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | undefined;
    // A page rendered without data starts as unreachable, so its first success reads as "restored".
    let failures = initialOverview ? 0 : UNREACHABLE_AFTER_FAILURES;
    let previousTotal = initialOverview?.totalEvents ?? null;

    async function poll() {
      inFlight?.abort();
      const request = new AbortController();
      inFlight = request;
      try {
        const response = await fetch(OVERVIEW_URL, { cache: "no-store", signal: request.signal });
        if (!response.ok) throw new Error(`overview answered ${response.status}`);
        const next = (await response.json()) as EventStoreOverview;
        if (failures > 0) setAnnouncement("Connection to the event store restored.");
        else if (previousTotal !== null && next.totalEvents > previousTotal) {
          const added = next.totalEvents - previousTotal;
          setAnnouncement(`${added} new ${added === 1 ? "event" : "events"}, ${next.totalEvents} in total.`);
        }
        failures = 0;
        previousTotal = next.totalEvents;
        setOverview(next);
        setConnectionState("live");
      } catch (error) {
        if (request.signal.aborted) return;
        failures += 1;
        // A missed poll or two is usually a server restart; call it unreachable only when it persists.
        setConnectionState(failures >= UNREACHABLE_AFTER_FAILURES ? "unreachable" : "reconnecting");
        if (failures === UNREACHABLE_AFTER_FAILURES) setAnnouncement("Lost contact with the event store. Retrying.");
        console.warn("event store overview poll failed", error);
      } finally {
        if (inFlight === request) inFlight = undefined;
      }
      schedule();
    }

    function schedule() {
      clearTimeout(timer);
      // A hidden tab stops polling; it catches up as soon as it is visible again.
      if (document.visibilityState === "hidden") return;
      timer = setTimeout(poll, POLL_INTERVAL_MS);
    }

    function onVisibilityChange() {
      if (document.visibilityState === "visible") {
        clearTimeout(timer);
        void poll();
      }
    }

    schedule();
    document.addEventListener("visibilitychange", onVisibilityChange);
    return () => {
      clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener("visibilitychange", onVisibilityChange);
    };
  }, [initialOverview]);

  return { overview, connectionState, announcement };
}

function StoreSummary({ overview, connectionState, formatCount }: { overview: EventStoreOverview | null; connectionState: ConnectionState; formatCount: (value: number) => string }) {
  const latestPosition = overview?.latestEvents[0]?.position;
  return (
    <section className="panel" aria-labelledby="store-summary-heading">
      <h2 id="store-summary-heading">Summary</h2>
      <dl className="summary">
        <div>
          <dt>Total events</dt>
          <dd data-testid="total-events">{overview ? formatCount(overview.totalEvents) : "—"}</dd>
        </div>
        <div>
          <dt>Event types</dt>
          <dd>{overview ? formatCount(overview.eventsPerType.length) : "—"}</dd>
        </div>
        <div>
          <dt>Latest position</dt>
          <dd>{latestPosition ?? "—"}</dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd>
            <span className="connection" data-state={connectionState} data-testid="connection-state">
              {connectionLabels[connectionState]}
            </span>
          </dd>
        </div>
      </dl>
    </section>
  );
}

function EventsPerTypeTable({
  overview,
  formatCount,
}: {
  overview: EventStoreOverview;
  formatCount: (value: number) => string;
}) {
  return (
    <table>
      <caption id="events-per-type-caption">Events per type</caption>
      <thead>
        <tr>
          <th scope="col">Event type</th>
          <th scope="col" className="numeric">
            Events
          </th>
        </tr>
      </thead>
      <tbody>
        {overview.eventsPerType.map((row) => (
          <tr key={row.eventType} data-event-type={row.eventType}>
            <th scope="row" className="event-type">
              <EventTypeName eventType={row.eventType} />
              <span
                className="share-bar"
                aria-hidden="true"
                style={{ "--share": `${(row.count / overview.totalEvents) * 100}%` } as CSSProperties}
              />
            </th>
            <td className="numeric">{formatCount(row.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LatestEventsTable({
  events,
  newEventIds,
  formatting,
}: {
  events: LatestEvent[];
  newEventIds: ReadonlySet<string>;
  formatting: DisplayFormatting;
}) {
  return (
    <ScrollingTable
      labelledBy="latest-events-caption"
      tableClassName="latest-events"
      caption={<caption id="latest-events-caption">Latest {events.length} events, newest first</caption>}
      columns={[{ label: "Time" }, { label: "Type" }, { label: "Aggregate" }, { label: "Creator" }, { label: "Position", numeric: true }]}
    >
      {events.map((event) => (
        <tr key={event.id} data-new={newEventIds.has(event.id)} data-aggregate-id={event.aggregateId}>
          <td>
            <time dateTime={event.occurredAt}>{formatting.time(event.occurredAt)}</time>
          </td>
          <td className="event-type">{event.eventType}</td>
          <td className="aggregate">
            {event.aggregateType}/{event.aggregateId}
          </td>
          <td className="creator">
            <span aria-hidden="true" title={event.creatorId}>
              {event.creatorId.slice(0, 8)}
            </span>
            <span className="visually-hidden">{event.creatorId}</span>
          </td>
          <td className="numeric">{event.position}</td>
        </tr>
      ))}
    </ScrollingTable>
  );
}

/** An event type that, when it must wrap, wraps after the dot (`order.` / `received_from_tiktok`). */
function EventTypeName({ eventType }: { eventType: string }) {
  const dot = eventType.indexOf(".");
  if (dot === -1) return <>{eventType}</>;
  return (
    <>
      {eventType.slice(0, dot + 1)}
      <wbr />
      {eventType.slice(dot + 1)}
    </>
  );
}

/** Ids of events that were not in the previous render's list, to mark them as just arrived. */
function useNewEventIds(events: LatestEvent[]): ReadonlySet<string> {
  const [state, setState] = useState<{ events: LatestEvent[]; seen: ReadonlySet<string>; fresh: ReadonlySet<string> }>(
    () => ({ events, seen: new Set(events.map((event) => event.id)), fresh: new Set() }),
  );
  if (state.events !== events) {
    const fresh = new Set(events.filter((event) => !state.seen.has(event.id)).map((event) => event.id));
    setState({ events, seen: new Set(events.map((event) => event.id)), fresh });
  }
  return state.fresh;
}

interface DisplayFormatting {
  count(value: number): string;
  time(iso: string): string;
}

const noSubscription = () => () => {};

/**
 * The server knows neither the reader's locale nor their time zone, so the first render
 * (server and hydration) uses a fixed locale and UTC, and the browser's own take over
 * right after hydration. Formatting differently on each side would break hydration.
 */
function useDisplayFormatting(): DisplayFormatting {
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  return useMemo(() => {
    const locale = hydrated ? undefined : "en-US";
    const countFormat = new Intl.NumberFormat(locale);
    const timeFormat = new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZone: hydrated ? undefined : "UTC",
      timeZoneName: hydrated ? undefined : "short",
    });
    return {
      count: (value: number) => countFormat.format(value),
      time: (iso: string) => timeFormat.format(new Date(iso)),
    };
  }, [hydrated]);
}
