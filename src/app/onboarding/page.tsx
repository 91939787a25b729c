import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { onboardingSteps } from "@/lib/onboarding/onboarding-steps.ts";
import { readSignedInUser } from "@/server/auth/session.ts";
import { databaseClient } from "@/server/database.ts";
import { getOnboardingState } from "@/server/onboarding/onboarding-state.ts";
import { OnboardingGuide } from "./_components/onboarding-guide.tsx";
import { RefreshWhileImporting } from "./_components/refresh-while-importing.tsx";
import styles from "./onboarding.module.css";

export const metadata: Metadata = { title: "Get started" };

const IMPORT_REFRESH_MS = 2_000;

export default async function OnboardingPage() {
  await connection();
  const user = await readSignedInUser();
  if (!user) redirect("/sign-in?next=/onboarding");
  // Admin accounts have no shop of their own to connect.
  if (user.role === "admin") redirect("/admin");
  if (!user.creatorId) {
    return (
      <main id="main" className={`page ${styles.page}`}>
        <h1>Get started</h1>
        <p className="notice" role="alert">
          This account is not linked to a creator.
        </p>
      </main>
    );
  }

  const state = await getOnboardingState(databaseClient(), user.creatorId);
  const importing = onboardingSteps(state).import === "current" && state.import?.status === "running";
  return (
    <main id="main" className={`page ${styles.page}`}>
      <h1>Get started</h1>
      <p className="page-intro">Three steps from a new account to a live dashboard.</p>
      <OnboardingGuide state={state} />
      {importing ? <RefreshWhileImporting intervalMs={IMPORT_REFRESH_MS} /> : null}
    </main>
  );
}
