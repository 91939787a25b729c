"use client";

import { useRouter } from "next/navigation";
import { safeNextPath } from "@/lib/auth/safe-next-path.ts";
import { useState, type FormEvent } from "react";
import { createClient } from "@/lib/supabase/client.ts";

export function SignInForm({ next }: { next: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const { error: signInError } = await createClient().auth.signInWithPassword({
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    if (signInError) {
      setBusy(false);
      setError(signInError.message === "Invalid login credentials" ? "That email and password do not match an account." : signInError.message);
      return;
    }
    // Only same-site paths: an open redirect would let a link send users anywhere after signing in.
    router.replace(safeNextPath(next));
    router.refresh();
  }

  return (
    <form className="auth-form" onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      {error ? (
        <p id="sign-in-error" className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
