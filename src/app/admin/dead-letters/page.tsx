import type { Metadata } from "next";
import Link from "next/link";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { deadLetterQuerySchema } from "@/server/admin/admin-schemas.ts";
import { adminDeadLetters, type DeadLetterView } from "@/server/admin/dead-letters.ts";
import { databaseClient } from "@/server/database.ts";
import { DeadLetterActions } from "./_components/dead-letter-actions.tsx";
import styles from "@/app/admin/admin.module.css";
import { AdminPanel, AdminTable, firstParam } from "@/app/admin/_components/admin-panel.tsx";
import { formatUtcTime } from "@/lib/utc-time.ts";
import { ProblemNotice, readOrProblem } from "@/app/admin/_components/problem-notice.tsx";

export const metadata: Metadata = { title: "Dead letters" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const statuses = ["pending", "retry_requested", "retried", "discarded"] as const;
const statusLabel = (status: string) => (status === "retry_requested" ? "Retry requested" : status[0]!.toUpperCase() + status.slice(1));
const outcomeLabel = { retried: "Retried", failed: "Failed again", refused: "Could not retry" } as const;

function DeadLetterDetail({ letter }: { letter: DeadLetterView }) {
  return (
    <AdminPanel
      panelId="letter"
      testId="dead-letter-detail"
      title={
        <>
          <span className={styles.mono}>{letter.eventType}</span> in {letter.consumer}
        </>
      }
    >
      <ul className={styles.meta}>
        <li>Status: {statusLabel(letter.status)}</li>
        <li>Attempts: {letter.attempts}</li>
        <li>
          Since <time dateTime={letter.createdAt}>{letter.createdAt}</time>
        </li>
        <li>
          Event <Link href={`/admin/history?event=${letter.eventId}`} className={styles.mono}>{letter.eventId}</Link>
        </li>
        {letter.retryRequestedAt ? (
          <li>
            Retry requested by {letter.retryRequestedBy ?? "an admin"} at <time dateTime={letter.retryRequestedAt}>{formatUtcTime(letter.retryRequestedAt)}</time>
          </li>
        ) : null}
        {letter.resolvedBy ? <li>Settled by {letter.resolvedBy}</li> : null}
      </ul>
      {letter.lastRetry ? (
        <section aria-labelledby="last-retry-heading" data-testid="dead-letter-last-retry" data-outcome={letter.lastRetry.outcome}>
          <h3 id="last-retry-heading">
            Last retry: {outcomeLabel[letter.lastRetry.outcome]} at <time dateTime={letter.lastRetry.at}>{formatUtcTime(letter.lastRetry.at)}</time>
          </h3>
          <pre className={styles.pre}>{letter.lastRetry.message}</pre>
        </section>
      ) : null}
      <h3>Error</h3>
      <pre className={styles.pre}>{letter.error}</pre>
      <h3>Event</h3>
      <pre className={styles.pre}>{JSON.stringify(letter.event, null, 2)}</pre>
      {letter.status === "pending" ? <DeadLetterActions id={letter.id} /> : null}
    </AdminPanel>
  );
}

function DeadLetterList({ status, list }: { status: string; list: DeadLetterView[] }) {
  return (
    <AdminPanel panelId="letters" title={`${list.length} ${status} ${list.length === 1 ? "letter" : "letters"}`}>
      {list.length === 0 ? (
        <p className="section-note">Nothing here.</p>
      ) : (
        <AdminTable panelId="letters" columns={[{ label: "Event" }, { label: "Consumer" }, { label: "Error" }, { label: "Last retry" }, { label: "Attempts", numeric: true }, { label: "Since" }]}>
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
        </AdminTable>
      )}
    </AdminPanel>
  );
}

export default async function DeadLettersPage({ searchParams }: { searchParams: SearchParams }) {
  await readAdminForPage("/admin/dead-letters");
  const params = await searchParams;
  const query = deadLetterQuerySchema.safeParse({ status: firstParam(params.status) ?? "pending" });
  const status = query.success ? (query.data.status ?? "pending") : "pending";
  const letters = adminDeadLetters(databaseClient());
  const list = await letters.list({ status });
  const selectedId = firstParam(params.id);
  const { value: selected, problem } = selectedId ? await readOrProblem(() => letters.get(selectedId)) : { value: null, problem: null };

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
      {selected ? <DeadLetterDetail letter={selected} /> : null}
      <DeadLetterList status={status} list={list} />
    </main>
  );
}
