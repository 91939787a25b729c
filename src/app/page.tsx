import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { readSignedInUser } from "@/server/auth/session.ts";
import { databaseClient } from "@/server/database.ts";
import { readEventStoreOverview, type EventStoreOverview } from "@/server/event-store-overview.ts";
import { EventStoreLive } from "./_components/event-store-live.tsx";

export const metadata: Metadata = { title: "Event store" };

async function readInitialOverview(): Promise<EventStoreOverview | null> {
  try {
    return await readEventStoreOverview(databaseClient());
  } catch (error) {
    // The page still renders: the client keeps polling and recovers when the database is back.
    console.error("event store page: initial read failed", error);
    return null;
  }
}

export default async function EventStorePage() {
  // Read at request time, never at build time: the store changes every second.
  await connection();
  // Every creator's event metadata is on this page: admins only. Creators start on their dashboard.
  const user = await readSignedInUser();
  if (!user) redirect("/sign-in");
  if (user.role !== "admin") redirect("/dashboard");
  const initialOverview = await readInitialOverview();
  return (
    <main id="main" className="page">
      <h1>Event store</h1>
      <p className="page-intro">
        Every change to orders and inventory is an immutable event. This page reads the store directly
        and refreshes every two seconds.
      </p>
      <EventStoreLive initialOverview={initialOverview} />
    </main>
  );
}
