import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { DashboardLive } from "./_components/dashboard-live.tsx";
import { ApiError } from "@/server/auth/api-error.ts";
import { readSignedInUser } from "@/server/auth/session.ts";
import { resolveCreatorId } from "@/server/auth/with-creator.ts";
import { databaseClient } from "@/server/database.ts";
import { readDashboardSnapshot } from "@/server/dashboard/dashboard-snapshot.ts";
import { DriftSummary, DriftTable } from "@/components/shop-history/drift-table.tsx";
import { hasConnectedShop } from "@/server/onboarding/onboarding-state.ts";
import { readDriftReport } from "@/server/shop-history/drift-report.ts";

export const metadata: Metadata = { title: "Dashboard" };

/** The viewer's preferred locale, so the server and the browser format numbers alike. */
function preferredLocale(acceptLanguage: string | null): string {
  const first = acceptLanguage?.split(",")[0]?.split(";")[0]?.trim();
  if (!first || first === "*") return "en-US";
  try {
    return Intl.getCanonicalLocales(first)[0] ?? "en-US";
  } catch {
    return "en-US";
  }
}

export default async function DashboardPage({ searchParams }: { searchParams: Promise<{ creator?: string }> }) {
  await connection();
  const user = await readSignedInUser();
  if (!user) redirect("/sign-in?next=/dashboard");
  const requested = (await searchParams).creator ?? null;

  let creatorId: string;
  try {
    creatorId = resolveCreatorId(user, requested);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return (
      <main id="main" className="page">
        <h1>Dashboard</h1>
        <p className="notice" role="alert">
          {user.role === "admin" ? "Admins open a creator's dashboard with ?creator=<creator id>." : error.message}
        </p>
      </main>
    );
  }

  // A creator without a shop has nothing to watch yet: onboarding connects one. Admins
  // looking at a creator's dashboard see it as it is.
  if (user.role === "creator" && !(await hasConnectedShop(databaseClient(), creatorId))) redirect("/onboarding");

  const [snapshot, requestHeaders, drift] = await Promise.all([
    readDashboardSnapshot(databaseClient(), creatorId),
    headers(),
    readDriftReport(databaseClient(), { creatorId, now: new Date() }),
  ]);
  return (
    <main id="main" className="page page-wide">
      <h1>Dashboard</h1>
      <DashboardLive initial={snapshot} locale={preferredLocale(requestHeaders.get("accept-language"))} creatorQuery={user.role === "admin" ? creatorId : null} />
      <section className="panel" aria-labelledby="drift-heading">
        <h2 id="drift-heading">Sync with TikTok</h2>
        <DriftSummary report={drift} />
        <DriftTable report={drift} showCreator={false} />
      </section>
    </main>
  );
}
