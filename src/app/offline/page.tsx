import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Offline" };

// Shown by the service worker for a page it has no copy of while the device is offline.
export default function OfflinePage() {
  return (
    <main id="main" className="page">
      <h1>You are offline</h1>
      <p>This page has not been opened on this device yet, so there is no copy of it to show.</p>
      <p>
        The <Link href="/dashboard">dashboard</Link> opens offline with the last figures it showed, once it has been opened here
        with a connection.
      </p>
    </main>
  );
}
