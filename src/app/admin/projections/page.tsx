import type { Metadata } from "next";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { readProjectionStatuses } from "@/server/admin/projection-status.ts";
import { databaseClient } from "@/server/database.ts";
import { ProjectionsLive } from "./_components/projections-live.tsx";

export const metadata: Metadata = { title: "Projections" };

export default async function ProjectionsPage() {
  const admin = await readAdminForPage("/admin/projections");
  const projections = await readProjectionStatuses(databaseClient(), new Date());
  return (
    <main id="main">
      <h1>Projections</h1>
      <p className="page-intro">
        Each read model&apos;s checkpoint and how far it is behind the head of the event stream. A rebuild folds every event into shadow tables and swaps them in at
        the end in one short transaction: the dashboards keep reading the live tables meanwhile.
      </p>
      <ProjectionsLive initial={projections} />
    </main>
  );
}
