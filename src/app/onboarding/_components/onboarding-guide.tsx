import Link from "next/link";
import type { ReactNode } from "react";
import { onboardingSteps, type ImportProgress, type OnboardingState, type StepStatus } from "@/lib/onboarding/onboarding-steps.ts";
import styles from "@/app/onboarding/onboarding.module.css";

const STEP_COUNT = 3;
const STATUS_LABEL: Record<StepStatus, string> = { done: "Done", current: "Current step", todo: "To do" };

/** The three steps from a new account to a live dashboard, each marked done, current or to do. */
export function OnboardingGuide({ state }: { state: OnboardingState }) {
  const steps = onboardingSteps(state);
  return (
    <ol className={styles.steps}>
      <Step number={1} title="Connect your TikTok Shop" status={steps.connect}>
        {state.shops.length === 0 ? (
          <>
            <p>Authorise CreatorFlow Sync in TikTok Shop, so your orders and stock can flow in. TikTok sends you back here.</p>
            {/* A plain link: a route handler that redirects to TikTok, never a client-side navigation. */}
            <a className="button-link" href="/api/tiktok/connect">
              Connect TikTok Shop
            </a>
          </>
        ) : (
          <ul className={styles.shops} aria-label="Connected shops">
            {state.shops.map((shop) => (
              <li key={shop.shopId}>{shop.shopName ?? `Shop ${shop.shopId}`}</li>
            ))}
          </ul>
        )}
      </Step>
      <Step number={2} title="Import your shop" status={steps.import}>
        <ImportDetail status={steps.import} progress={state.import} />
      </Step>
      <Step number={3} title="Go live" status={steps.live}>
        {steps.live === "current" ? (
          <>
            <p>Everything is in place. Revenue, orders and stock now update on your dashboard as they happen.</p>
            <Link className="button-link" href="/dashboard">
              Open your dashboard
            </Link>
          </>
        ) : (
          <p>Your dashboard shows revenue, orders and stock live, as TikTok Shop reports them.</p>
        )}
      </Step>
    </ol>
  );
}

function Step({ number, title, status, children }: { number: number; title: string; status: StepStatus; children: ReactNode }) {
  const headingId = `onboarding-step-${number}`;
  return (
    <li className={styles.step} data-status={status} aria-current={status === "current" ? "step" : undefined} aria-labelledby={headingId}>
      <span className={styles.marker} aria-hidden="true">
        {status === "done" ? "✓" : number}
      </span>
      <div className={styles.body}>
        <h2 id={headingId}>{title}</h2>
        <p className={styles.status}>
          Step {number} of {STEP_COUNT} · {STATUS_LABEL[status]}
        </p>
        {children}
      </div>
    </li>
  );
}

function ImportDetail({ status, progress }: { status: StepStatus; progress: ImportProgress | null }) {
  if (status === "todo") return <p>Once your shop is connected, its products, stock levels and recent orders are imported.</p>;
  if (status === "done") return <p>Products, stock levels and recent orders are in.</p>;
  if (progress?.status === "failed") {
    return (
      <p className="form-error" role="alert">
        The import stopped after {progress.importedCount} items.
      </p>
    );
  }
  const imported = progress?.importedCount ?? 0;
  const total = progress?.totalCount ?? null;
  return (
    <>
      <p id="import-progress-label">{total === null ? `Importing… ${imported} items so far.` : `Importing… ${imported} of ${total} items.`}</p>
      {progress?.productsImported !== undefined ? (
        <p>
          {progress.productsImported} products{progress.productsTotal == null ? "" : ` of ${progress.productsTotal}`} · {progress.ordersImported ?? 0} orders
          {progress.ordersTotal == null ? "" : ` of ${progress.ordersTotal}`}
        </p>
      ) : null}
      {/* Without a total the bar is indeterminate: it moves without claiming a share. */}
      <progress className={styles.progress} aria-labelledby="import-progress-label" value={total === null ? undefined : imported} max={total ?? undefined} />
    </>
  );
}
