import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { readSignedInUser } from "@/server/auth/session.ts";
import { ServiceWorkerRegistration } from "./_components/service-worker-registration.tsx";
import { WebVitalsReporter } from "./_components/web-vitals-reporter.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "CreatorFlow Sync", template: "%s · CreatorFlow Sync" },
  description: "Orders and inventory for TikTok Shop creators, in step and live.",
  applicationName: "CreatorFlow Sync",
  appleWebApp: { capable: true, title: "CreatorFlow", statusBarStyle: "default" },
  icons: { icon: [{ url: "/icons/icon.svg", type: "image/svg+xml" }], apple: "/icons/apple-touch-icon.png" },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f7f7f8" },
    { media: "(prefers-color-scheme: dark)", color: "#121316" },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await readSignedInUser().catch(() => null);
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <p className="site-name">
            <Link href="/">CreatorFlow Sync</Link>
          </p>
          {user ? (
            <nav aria-label="Account" className="site-nav">
              <Link href="/dashboard">Dashboard</Link>
              {user.role === "admin" ? <Link href="/admin">Admin</Link> : null}
              <span className="site-user">{user.email}</span>
              <Link href="/sign-out">Sign out</Link>
            </nav>
          ) : null}
        </header>
        {children}
        <ServiceWorkerRegistration />
        {user ? <WebVitalsReporter /> : null}
      </body>
    </html>
  );
}
