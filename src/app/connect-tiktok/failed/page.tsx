import type { Metadata } from "next";
import Link from "next/link";
import { connectFailureMessages, isConnectFailure } from "@/lib/tiktok/connect-failures.ts";

export const metadata: Metadata = { title: "Connecting TikTok Shop did not work" };

/** Where every failed TikTok Shop connection lands: the reason in words, and the way back. */
export default async function ConnectTikTokFailedPage({ searchParams }: { searchParams: Promise<{ reason?: string | string[] }> }) {
  const { reason } = await searchParams;
  const failure = connectFailureMessages[isConnectFailure(reason) ? reason : "unexpected"];
  return (
    <main id="main" className="page page-narrow">
      <h1>{failure.title}</h1>
      <p className="notice" role="alert">
        {failure.detail}
      </p>
      <p>
        {failure.retry ? (
          <>
            {/* A navigation, not a client-side route: the handler sends the browser on to TikTok. */}
            <a href="/api/tiktok/connect">Try connecting again</a>
            {" · "}
          </>
        ) : null}
        <Link href="/onboarding">Back to getting started</Link>
      </p>
    </main>
  );
}
