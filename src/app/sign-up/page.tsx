import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignUpForm } from "./_components/sign-up-form.tsx";
import { readSignedInUser } from "@/server/auth/session.ts";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage() {
  // Already signed in: a second account from the same browser would only replace the session.
  if (await readSignedInUser()) redirect("/dashboard");
  return (
    <main id="main" className="page page-narrow">
      <h1>Create your account</h1>
      <p className="page-intro">Connect your TikTok Shop and watch orders, revenue and stock live.</p>
      <SignUpForm />
      <p className="auth-switch">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
