import type { Metadata } from "next";
import Link from "next/link";
import type { HopKind, JourneyHop } from "@/core/journey/event-journey.ts";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { readEventJourney, type EventJourney } from "@/server/admin/event-journey.ts";
import { databaseClient } from "@/server/database.ts";
import styles from "@/app/admin/admin.module.css";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { AdminPanel, AdminTablePanel, FilterField, FilterForm, firstParam, IdItem } from "@/app/admin/_components/admin-panel.tsx";
import { ProblemNotice, readOrProblem } from "@/app/admin/_components/problem-notice.tsx";

export const metadata: Metadata = { title: "Journey" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const hopNames: Record<HopKind, string> = {
  received: "Received",
  stored: "Stored",
  appended: "Appended",
  saga_step: "Saga step",
  reaction: "Consumer reaction",
  consumer_attempt: "Consumer attempt",
  realtime_delta: "Realtime delta",
};

function EventLink({ id, label }: { id: string; label: string }) {
  return (
    <Link href={`/admin/history?event=${id}`} className={styles.mono}>
      {label}
    </Link>
  );
}

function HopRow({ hop }: { hop: JourneyHop }) {
  return (
    <tr data-hop={hop.kind}>
      <td>{hopNames[hop.kind]}</td>
      <th scope="row">{hop.eventId ? <EventLink id={hop.eventId} label={hop.label} /> : hop.label}</th>
      <td>
        <time dateTime={hop.at.toISOString()}>{formatUtcTime(hop.at.toISOString(), "milliseconds")}</time>
      </td>
      <td className="numeric">+{hop.sinceStartMs} ms</td>
      <td>{hop.after ? (hop.after.eventId ? <EventLink id={hop.after.eventId} label={hop.after.label} /> : hop.after.label) : "—"}</td>
      <td className="numeric" data-testid="hop-took">{hop.tookMs === null ? "—" : `${hop.tookMs} ms`}</td>
    </tr>
  );
}

function JourneyView({ journey }: { journey: EventJourney }) {
  return (
    <>
      <AdminPanel
        panelId="journey"
        title={
          journey.orderId ? (
            <>
              Journey of order{" "}
              <Link href={`/admin/history?kind=order&id=${encodeURIComponent(journey.orderId)}`} className={styles.mono}>
                {journey.orderId}
              </Link>
            </>
          ) : (
            <>
              Journey of event <EventLink id={journey.rootEventId} label={journey.rootEventId} />
            </>
          )
        }
      >
        <ul className={styles.meta}>
          <li>
            {journey.hops.length} hops in {journey.totalMs} ms
          </li>
          <IdItem label="Creator" id={journey.creatorId} />
          {journey.tiktokToReceiptMs.map((entry) => (
            <li key={entry.dedupeKey}>
              TikTok&apos;s timestamp to our receipt of {entry.dedupeKey}: {entry.ms} ms (their clock: not part of the journey)
            </li>
          ))}
          <li data-testid="consumers-behind">
            {journey.consumersBehind.length === 0 ? "Every consumer has handled all of it." : `Not yet handled by: ${journey.consumersBehind.join(", ")}`}
          </li>
        </ul>
        {journey.truncated ? <p className="section-note">A long journey: showing its first events only.</p> : null}
      </AdminPanel>
      <AdminTablePanel panelId="hops" title="Hops" columns={[{ label: "Hop" }, { label: "What" }, { label: "When" }, { label: "Since start" }, { label: "After" }, { label: "Took" }]}>
        {journey.hops.map((hop, index) => (
          <HopRow key={`${hop.kind}-${hop.eventId ?? hop.label}-${index}`} hop={hop} />
        ))}
      </AdminTablePanel>
    </>
  );
}

export default async function JourneyPage({ searchParams }: { searchParams: SearchParams }) {
  await readAdminForPage("/admin/journey");
  const params = await searchParams;
  const orderId = firstParam(params.order)?.trim() ?? "";
  const eventId = firstParam(params.event)?.trim() ?? "";

  const { value: journey, problem } = await readOrProblem(async () => {
    if (eventId) return readEventJourney(databaseClient(), { eventId });
    if (orderId) return readEventJourney(databaseClient(), { orderId });
    return null;
  });

  return (
    <main id="main">
      <h1>Journey</h1>
      <p className="page-intro">
        What happened to one order, hop by hop: the TikTok delivery received and stored, every event appended for it and in reaction to it (saga steps, consumers), retried attempts, and the realtime deltas that carried it to the dashboard, with how long each hop took.
      </p>
      <FilterForm label="Find a journey" submitLabel="Show journey">
        <FilterField label="Order id">
          <input name="order" defaultValue={orderId} autoComplete="off" />
        </FilterField>
        <FilterField label="Or event id">
          <input name="event" defaultValue={eventId} autoComplete="off" />
        </FilterField>
      </FilterForm>
      <ProblemNotice problem={problem} />
      {journey ? <JourneyView journey={journey} /> : null}
    </main>
  );
}
