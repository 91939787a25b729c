import type { Metadata } from "next";
import Link from "next/link";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { conflictQueueQuerySchema } from "@/server/admin/admin-schemas.ts";
import { readConflictQueue, type ConflictQueuePage } from "@/server/admin/conflict-queue.ts";
import { databaseClient } from "@/server/database.ts";
import { ConflictQueue } from "./_components/conflict-queue.tsx";
import styles from "./admin.module.css";
import { ProblemNotice } from "./_components/problem-notice.tsx";

export const metadata: Metadata = { title: "Conflict queue" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).flatMap(([key, value]) => (typeof value === "string" ? [[key, value]] : Array.isArray(value) && value[0] ? [[key, value[0]]] : [])));
}

export default async function ConflictQueuePageView({ searchParams }: { searchParams: SearchParams }) {
  const admin = await readAdminForPage("/admin");
  const raw = firstValues(await searchParams);
  const query = conflictQueueQuerySchema.safeParse(raw);
  let page: ConflictQueuePage | null = null;
  let problem: string | null = null;
  if (!query.success) problem = "Some filters are not valid: creator must be a creator id, product a SKU or product id, ages whole minutes.";
  else {
    try {
      page = await readConflictQueue(databaseClient(), { ...query.data, creatorId: query.data.creator }, new Date());
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problem = "That page link is no longer valid; start from the first page.";
    }
  }
  const status = query.success ? (query.data.status ?? "open") : "open";
  const nextParams = page?.nextCursor ? new URLSearchParams({ ...raw, cursor: page.nextCursor }) : null;

  return (
    <main id="main">
      <h1>Conflict queue</h1>
      <p className="page-intro">
        Inventory counts that TikTok Shop and CreatorFlow disagree on and that no rule could settle. Compare both values with the product&apos;s recent history, then keep
        the local count, accept TikTok&apos;s, or set a custom count. Every resolution is recorded as an event with your name, the time and your reason.
      </p>
      <form className={`panel ${styles.filters}`} method="get" aria-label="Filter conflicts">
        <label className={styles.field}>
          Creator
          <select name="creator" defaultValue={raw.creator ?? ""}>
            <option value="">All creators</option>
            {(page?.creators ?? []).map((creator) => (
              <option key={creator} value={creator}>
                {creator}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          Product or SKU id
          <input name="product" defaultValue={raw.product ?? ""} inputMode="numeric" autoComplete="off" />
        </label>
        <label className={styles.field}>
          Type
          <select name="type" defaultValue={raw.type ?? ""}>
            <option value="">Any type</option>
            <option value="quantity_mismatch">Quantity mismatch</option>
            <option value="concurrent_update">Concurrent update</option>
            <option value="stale_data">Stale data</option>
          </select>
        </label>
        <label className={styles.field}>
          Older than (minutes)
          <input name="olderThanMinutes" type="number" min={0} defaultValue={raw.olderThanMinutes ?? ""} />
        </label>
        <label className={styles.field}>
          Newer than (minutes)
          <input name="newerThanMinutes" type="number" min={0} defaultValue={raw.newerThanMinutes ?? ""} />
        </label>
        <label className={styles.field}>
          Status
          <select name="status" defaultValue={status}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        <div className={styles.actions}>
          <button type="submit">Apply filters</button>
          <Link href="/admin">Clear</Link>
        </div>
      </form>
      <ProblemNotice problem={problem} />
      {page ? <ConflictQueue conflicts={page.conflicts} status={status} /> : null}
      {nextParams ? (
        <p>
          <Link href={`/admin?${nextParams.toString()}`}>Next page</Link>
        </p>
      ) : null}
    </main>
  );
}
