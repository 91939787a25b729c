import type { Metadata } from "next";
import Link from "next/link";
import { SignInForm } from "./_components/sign-in-form.tsx";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  return (
    <main id="main" className="page page-narrow">
      <h1>Sign in</h1>
      <p className="page-intro">Your orders, revenue and stock, live.</p>
      <SignInForm next={next ?? null} />
      <p className="auth-switch">
        New to CreatorFlow Sync? <Link href="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
