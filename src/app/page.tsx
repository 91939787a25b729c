import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { readSignedInUser } from "@/server/auth/session.ts";
import styles from "./landing.module.css";

export const metadata: Metadata = { title: { absolute: "CreatorFlow Sync: TikTok Shop orders and stock, live" } };

const features = [
  {
    title: "Every order, as it happens",
    text: "TikTok Shop's webhooks land in seconds: new orders, payments, shipments, cancellations and refunds, on one live dashboard.",
  },
  {
    title: "Stock that stays in step",
    text: "Sales reserve stock the moment they arrive and your counts go back to TikTok, so you never sell what you do not have.",
  },
  {
    title: "Nothing lost, everything explained",
    text: "Each change is recorded as an event. Disagreements with TikTok are caught, settled by your rules or shown to you to decide.",
  },
];

// GET / - what CreatorFlow Sync is, for someone not signed in; a creator goes straight to their dashboard.
export default async function LandingPage() {
  const user = await readSignedInUser();
  if (user?.role === "creator") redirect("/dashboard");
  return (
    <main id="main" className="page">
      <section className={styles.hero} aria-labelledby="landing-title">
        <h1 id="landing-title">Your TikTok Shop orders and inventory, in sync and live</h1>
        <p className="page-intro">
          CreatorFlow Sync connects to your TikTok Shop and keeps orders, revenue and stock up to date in real time, so you can run your shop from one
          page instead of refreshing Seller Center.
        </p>
        {user ? (
          <p className={styles.actions}>
            <Link className="button-link" href="/admin">
              Open the admin panel
            </Link>
          </p>
        ) : (
          <p className={styles.actions}>
            <Link className="button-link" href="/sign-up">
              Create an account
            </Link>
            <Link href="/sign-in">Sign in</Link>
          </p>
        )}
      </section>
      <ul className={styles.features} aria-label="What it does">
        {features.map((feature) => (
          <li key={feature.title} className="panel">
            <h2>{feature.title}</h2>
            <p>{feature.text}</p>
          </li>
        ))}
      </ul>
    </main>
  );
}
