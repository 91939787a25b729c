"use client";

import type { AuthError, AuthResponse, SignUpWithPasswordCredentials } from "@supabase/supabase-js";
import { isAuthWeakPasswordError } from "@supabase/supabase-js";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createClient } from "@/lib/supabase/client.ts";

/** Ours, stricter than GoTrue's default of 6; hosted projects should set the same (README: Sign-up). */
export const MIN_PASSWORD_LENGTH = 8;

export type SignUp = (credentials: SignUpWithPasswordCredentials) => Promise<AuthResponse>;

type Field = "email" | "password" | "confirm-password";

export interface SignUpProblem {
  /** The field to mark and focus, or null for a problem with the whole attempt. */
  field: Field | null;
  message: string;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What can be said before asking the server. */
export function checkSignUpInput(input: { email: string; password: string; confirmPassword: string }): SignUpProblem | null {
  if (!EMAIL_SHAPE.test(input.email)) return { field: "email", message: "Enter your email address, like name@example.com." };
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    return { field: "password", message: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (input.password !== input.confirmPassword) return { field: "confirm-password", message: "The two passwords do not match." };
  return null;
}

/** GoTrue's error codes (supabase/auth apierrors) in words a person can act on. */
export function signUpProblem(error: AuthError): SignUpProblem {
  if (isAuthWeakPasswordError(error)) {
    if (error.reasons.includes("pwned")) {
      return { field: "password", message: "This password has appeared in a data breach. Choose another one." };
    }
    if (error.reasons.includes("characters")) {
      return { field: "password", message: "Mix upper and lower case letters, digits and symbols in your password." };
    }
    return { field: "password", message: `That password is too weak. ${error.message}` };
  }
  switch (error.code) {
    case "user_already_exists":
    case "email_exists":
      return { field: "email", message: "An account with this email already exists. Sign in instead." };
    case "email_address_invalid":
      return { field: "email", message: "That email address cannot be used. Check it and try again." };
    case "signup_disabled":
    case "email_provider_disabled":
      return { field: null, message: "New accounts cannot be created right now." };
    case "over_email_send_rate_limit":
    case "over_request_rate_limit":
      return { field: null, message: "Too many attempts. Wait a minute, then try again." };
    default:
      return { field: null, message: "Your account could not be created. Please try again." };
  }
}

function signUpWithBrowserClient(credentials: SignUpWithPasswordCredentials): Promise<AuthResponse> {
  return createClient().auth.signUp(credentials);
}

export function SignUpForm({ signUp = signUpWithBrowserClient }: { signUp?: SignUp }) {
  const router = useRouter();
  const [problem, setProblem] = useState<SignUpProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmationSentTo, setConfirmationSentTo] = useState<string | null>(null);

  function report(form: HTMLFormElement, found: SignUpProblem) {
    setProblem(found);
    if (found.field) (form.elements.namedItem(found.field) as HTMLInputElement | null)?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    const email = String(values.get("email") ?? "").trim();
    const password = String(values.get("password") ?? "");
    const invalid = checkSignUpInput({ email, password, confirmPassword: String(values.get("confirm-password") ?? "") });
    if (invalid) return report(form, invalid);

    setBusy(true);
    setProblem(null);
    const { data, error } = await signUp({
      email,
      password,
      // Where the confirmation email's link leads when confirmation is on (production).
      options: { emailRedirectTo: new URL("/sign-in", window.location.origin).toString() },
    });
    if (error) {
      setBusy(false);
      return report(form, signUpProblem(error));
    }
    if (!data.session) {
      // Email confirmation is on: no session until the link in the email is opened. Hosted
      // Supabase answers the same for an address that already has an account, so as not to
      // reveal who has one; the message covers both.
      setBusy(false);
      setConfirmationSentTo(email);
      return;
    }
    router.replace("/onboarding");
    router.refresh();
  }

  if (confirmationSentTo) return <ConfirmationSent email={confirmationSentTo} />;
  return <SignUpFields problem={problem} busy={busy} onSubmit={submit} />;
}

/** The form itself: email, password and its confirmation, with the problem shown against its field. */
function SignUpFields({ problem, busy, onSubmit }: { problem: SignUpProblem | null; busy: boolean; onSubmit: (event: FormEvent<HTMLFormElement>) => void }) {
  const invalid = (field: Field) => (problem?.field === field ? true : undefined);
  const describedBy = (field: Field, hint?: string) =>
    [hint, problem?.field === field ? "sign-up-error" : undefined].filter(Boolean).join(" ") || undefined;

  return (
    <form className="auth-form" onSubmit={onSubmit} noValidate aria-describedby={problem && !problem.field ? "sign-up-error" : undefined}>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required aria-invalid={invalid("email")} aria-describedby={describedBy("email")} />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD_LENGTH}
        aria-invalid={invalid("password")}
        aria-describedby={describedBy("password", "password-hint")}
      />
      <p id="password-hint" className="field-hint">
        At least {MIN_PASSWORD_LENGTH} characters.
      </p>
      <label htmlFor="confirm-password">Confirm password</label>
      <input
        id="confirm-password"
        name="confirm-password"
        type="password"
        autoComplete="new-password"
        required
        aria-invalid={invalid("confirm-password")}
        aria-describedby={describedBy("confirm-password")}
      />
      {problem ? (
        <p id="sign-up-error" className="form-error" role="alert">
          {problem.message}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? "Creating your account…" : "Create account"}
      </button>
    </form>
  );
}

/** Email confirmation is on: what to do next, whether or not the address already had an account. */
function ConfirmationSent({ email }: { email: string }) {
  return (
    <div className="panel" role="status">
      <h2>Check your email</h2>
      <p>
        We sent a link to <strong>{email}</strong>. Open it to confirm your address, then{" "}
        <Link href="/sign-in">sign in</Link>.
      </p>
      <p>If nothing arrives within a few minutes, this address may already have an account: sign in instead.</p>
    </div>
  );
}
