import type { Metadata } from "next";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { readEventStoreOverview, type EventStoreOverview } from "@/server/admin/event-store-overview.ts";
import { databaseClient } from "@/server/database.ts";
import { EventStoreLive } from "./_components/event-store-live.tsx";
import { log } from "@/server/log.ts";

export const metadata: Metadata = { title: "Event store" };

async function readInitialOverview(): Promise<EventStoreOverview | null> {
  try {
    return await readEventStoreOverview(databaseClient());
  } catch (error) {
    // The page still renders: the client keeps polling and recovers when the database is back.
    log.error("event store page: initial read failed", { error });
    return null;
  }
}

export default async function EventStorePage() {
  // Every creator's event metadata is on this page: admins only (the layout has checked too).
  await readAdminForPage("/admin/event-store");
  const initialOverview = await readInitialOverview();
  return (
    <main id="main">
      <h1>Event store</h1>
      <p className="page-intro">
        Every change to orders and inventory is an immutable event. This page reads the store directly
        and refreshes every two seconds.
      </p>
      <EventStoreLive initialOverview={initialOverview} />
    </main>
  );
}
