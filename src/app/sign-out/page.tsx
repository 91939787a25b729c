import type { Metadata } from "next";
import Link from "next/link";
import { SignOutButton } from "./_components/sign-out-button.tsx";
import { readSignedInUser } from "@/server/auth/session.ts";

export const metadata: Metadata = { title: "Sign out" };

export default async function SignOutPage() {
  const user = await readSignedInUser();
  return (
    <main id="main" className="page page-narrow">
      <h1>Sign out</h1>
      {user ? (
        <>
          <p>
            You are signed in as <strong>{user.email ?? "this account"}</strong>.
          </p>
          <SignOutButton />
        </>
      ) : (
        <p>
          You are signed out. <Link href="/sign-in">Sign in again</Link>
        </p>
      )}
    </main>
  );
}
