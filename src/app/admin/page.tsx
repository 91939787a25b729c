import type { Metadata } from "next";
import Link from "next/link";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { conflictQueueQuerySchema } from "@/server/admin/admin-schemas.ts";
import { readConflictQueue, type ConflictQueuePage } from "@/server/admin/conflict-queue.ts";
import { databaseClient } from "@/server/database.ts";
import { ConflictFilters } from "./_components/conflict-filters.tsx";
import { ConflictQueue } from "./_components/conflict-queue.tsx";
import { ProblemNotice } from "./_components/problem-notice.tsx";

export const metadata: Metadata = { title: "Conflict queue" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).flatMap(([key, value]) => (typeof value === "string" ? [[key, value]] : Array.isArray(value) && value[0] ? [[key, value[0]]] : [])));
}

export default async function ConflictQueuePageView({ searchParams }: { searchParams: SearchParams }) {
  await readAdminForPage("/admin");
  const asked = firstValues(await searchParams);
  const { page, problem, status } = await readQueuePage(asked);
  const nextParams = page?.nextCursor ? new URLSearchParams({ ...asked, cursor: page.nextCursor }) : null;

  return (
    <main id="main">
      <h1>Conflict queue</h1>
      <p className="page-intro">
        Inventory counts that TikTok Shop and CreatorFlow disagree on and that no rule could settle. Compare both values with the product&apos;s recent history, then keep
        the local count, accept TikTok&apos;s, or set a custom count. Every resolution is recorded as an event with your name, the time and your reason.
      </p>
      <ConflictFilters asked={asked} creators={page?.creators ?? []} status={status} />
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

/** The queue page asked for, or the problem with the asking, said for the admin to mend (filters not valid, a stale page link). */
async function readQueuePage(asked: Record<string, string>): Promise<{ page: ConflictQueuePage | null; problem: string | null; status: "open" | "resolved" }> {
  const query = conflictQueueQuerySchema.safeParse(asked);
  if (!query.success) return { page: null, problem: "Some filters are not valid: creator must be a creator id, product a SKU or product id, ages whole minutes.", status: "open" };
  const status = query.data.status ?? "open";
  try {
    return { page: await readConflictQueue(databaseClient(), { ...query.data, creatorId: query.data.creator }, new Date()), problem: null, status };
  } catch (error) {
    // A cursor that does not decode (an edited or truncated link): the one failure the admin can mend here.
    if (!(error instanceof RangeError)) throw error;
    return { page: null, problem: "That page link is no longer valid; start from the first page.", status };
  }
}
