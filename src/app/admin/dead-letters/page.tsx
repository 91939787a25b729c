import type { Metadata } from "next";
import Link from "next/link";
import { DomainError } from "@/core/domain-error.ts";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { deadLetterQuerySchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters, type DeadLetterView } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";
import { DeadLetterActions } from "./_components/dead-letter-actions.tsx";
import styles from "@/app/admin/admin.module.css";
import { ScrollingTable } from "@/components/scrolling-table.tsx";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { ProblemNotice } from "@/app/admin/_components/problem-notice.tsx";

export const metadata: Metadata = { title: "Dead letters" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const statuses = ["pending", "retry_requested", "retried", "discarded"] as const;
const statusLabel = (status: string) => (status === "retry_requested" ? "Retry requested" : status[0]!.toUpperCase() + status.slice(1));
const outcomeLabel = { retried: "Retried", failed: "Failed again", refused: "Could not retry" } as const;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function DeadLettersPage({ searchParams }: { searchParams: SearchParams }) {
  const admin = await readAdminForPage("/admin/dead-letters");
  const params = await searchParams;
  const query = deadLetterQuerySchema.safeParse({ status: first(params.status) ?? "pending" });
  const status = query.success ? (query.data.status ?? "pending") : "pending";
  const letters = adminDeadLetters(databaseClient());
  const list = await letters.list({ status });
  const selectedId = first(params.id);
  let selected: DeadLetterView | null = null;
  let problem: string | null = null;
  if (selectedId) {
    try {
      selected = await letters.get(selectedId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problem = error.message;
    }
  }

  return (
    <main id="main">
      <h1>Dead letters</h1>
      <p className="page-intro">
        Events a consumer gave up on after its last retry. Inspect the event and the error, then retry it or discard it. A retry is a request: the
        consumer&apos;s own runner carries it out in order, before its next batch, and the letter then says whether it was applied, failed again or
        could not be applied (and what to do instead).
      </p>
      <nav aria-label="Dead letter status">
        <ul className={styles.nav}>
          {statuses.map((candidate) => (
            <li key={candidate}>
              <Link href={`/admin/dead-letters?status=${candidate}`} aria-current={candidate === status ? "page" : undefined}>
                {statusLabel(candidate)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <ProblemNotice problem={problem} />
      {selected ? (
        <section className="panel" aria-labelledby="letter-heading" data-testid="dead-letter-detail">
          <h2 id="letter-heading">
            <span className={styles.mono}>{selected.eventType}</span> in {selected.consumer}
          </h2>
          <ul className={styles.meta}>
            <li>Status: {statusLabel(selected.status)}</li>
            <li>Attempts: {selected.attempts}</li>
            <li>
              Since <time dateTime={selected.createdAt}>{selected.createdAt}</time>
            </li>
            <li>
              Event <Link href={`/admin/history?event=${selected.eventId}`} className={styles.mono}>{selected.eventId}</Link>
            </li>
            {selected.retryRequestedAt ? (
              <li>
                Retry requested by {selected.retryRequestedBy ?? "an admin"} at <time dateTime={selected.retryRequestedAt}>{formatUtcTime(selected.retryRequestedAt)}</time>
              </li>
            ) : null}
            {selected.resolvedBy ? <li>Settled by {selected.resolvedBy}</li> : null}
          </ul>
          {selected.lastRetry ? (
            <section aria-labelledby="last-retry-heading" data-testid="dead-letter-last-retry" data-outcome={selected.lastRetry.outcome}>
              <h3 id="last-retry-heading">
                Last retry: {outcomeLabel[selected.lastRetry.outcome]} at <time dateTime={selected.lastRetry.at}>{formatUtcTime(selected.lastRetry.at)}</time>
              </h3>
              <pre className={styles.pre}>{selected.lastRetry.message}</pre>
            </section>
          ) : null}
          <h3>Error</h3>
          <pre className={styles.pre}>{selected.error}</pre>
          <h3>Event</h3>
          <pre className={styles.pre}>{JSON.stringify(selected.event, null, 2)}</pre>
          {selected.status === "pending" ? <DeadLetterActions id={selected.id} /> : null}
        </section>
      ) : null}
      <section className="panel" aria-labelledby="letters-heading">
        <h2 id="letters-heading">
          {list.length} {status} {list.length === 1 ? "letter" : "letters"}
        </h2>
        {list.length === 0 ? (
          <p className="section-note">Nothing here.</p>
        ) : (
          <ScrollingTable
            labelledBy="letters-heading"
            tableClassName={styles.wideTable}
            columns={[{ label: "Event" }, { label: "Consumer" }, { label: "Error" }, { label: "Last retry" }, { label: "Attempts", numeric: true }, { label: "Since" }]}
          >
            {list.map((letter) => (
              <tr key={letter.id} data-dead-letter-id={letter.id}>
                <th scope="row">
                  <Link href={`/admin/dead-letters?status=${status}&id=${letter.id}`} className={styles.mono}>
                    {letter.eventType}
                  </Link>
                </th>
                <td className={styles.mono}>{letter.consumer}</td>
                <td>{letter.error.slice(0, 120)}</td>
                <td>{letter.lastRetry ? outcomeLabel[letter.lastRetry.outcome] : ""}</td>
                <td className="numeric">{letter.attempts}</td>
                <td>
                  <time dateTime={letter.createdAt}>{formatUtcTime(letter.createdAt)}</time>
                </td>
              </tr>
            ))}
          </ScrollingTable>
        )}
      </section>
    </main>
  );
}
