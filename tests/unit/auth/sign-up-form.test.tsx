// @vitest-environment jsdom
// The sign-up form against the answers hosted Supabase Auth gives: the form talks to a real
// supabase-js client whose requests reach a fake GoTrue answering with its wire shapes, so
// auth-js turns them into the errors and sessions the form actually receives.
import { createClient, type SignUpWithPasswordCredentials } from "@supabase/supabase-js";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const router = vi.hoisted(() => ({ replace: vi.fn(), refresh: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

import { SignUpForm } from "../../../src/app/sign-up/_components/sign-up-form.tsx";

const SUPABASE_URL = "http://127.0.0.1:54321";

interface SignUpRequest {
  url: URL;
  body: { email: string; password: string; data: Record<string, unknown> };
}

/** A GoTrue stand-in for one test: records each /signup request and answers with `respond`. */
function fakeAuthServer(respond: (request: SignUpRequest) => { status: number; body: unknown }) {
  const requests: SignUpRequest[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/auth/v1/signup") return new Response("{}", { status: 404 });
    const request = { url, body: JSON.parse(String(init?.body)) as SignUpRequest["body"] };
    requests.push(request);
    const { status, body } = respond(request);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-supabase-api-version": "2024-01-01" } });
  });
  const client = createClient(SUPABASE_URL, "anon-key", {
    // A storage key of its own: jsdom is one "browser", and each test makes a client.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, storageKey: `sign-up-test-${crypto.randomUUID()}` },
    global: { fetch },
  });
  const signUp = (credentials: SignUpWithPasswordCredentials) => client.auth.signUp(credentials);
  return { requests, signUp };
}

function userJson(email: string, confirmed: boolean) {
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    aud: "authenticated",
    role: "authenticated",
    email,
    email_confirmed_at: confirmed ? now : null,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"], role: "creator", creator_id: crypto.randomUUID() },
    user_metadata: {},
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  };
}

function sessionJson(email: string) {
  const now = Math.floor(Date.now() / 1000);
  return { access_token: "header.payload.signature", token_type: "bearer", expires_in: 3600, expires_at: now + 3600, refresh_token: "refresh", user: userJson(email, true) };
}

const gotrueError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => ({ status, body: { code, message, ...extra } });

function fillIn(values: { email?: string; password?: string; confirm?: string }) {
  fireEvent.change(screen.getByLabelText("Email"), { target: { value: values.email ?? "maya@example.com" } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: values.password ?? "correct horse battery" } });
  fireEvent.change(screen.getByLabelText("Confirm password"), { target: { value: values.confirm ?? values.password ?? "correct horse battery" } });
  fireEvent.click(screen.getByRole("button", { name: "Create account" }));
}

beforeEach(() => {
  router.replace.mockClear();
  router.refresh.mockClear();
});
afterEach(cleanup);

describe("sign-up form", () => {
  it("sends a new creator to onboarding when sign-up answers with a session (email confirmation off)", async () => {
    const auth = fakeAuthServer(({ body }) => ({ status: 200, body: sessionJson(body.email) }));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({ email: "  Maya@Example.com " });

    await vi.waitFor(() => expect(router.replace).toHaveBeenCalledWith("/onboarding"));
    expect(auth.requests).toHaveLength(1);
    expect(auth.requests[0].body).toMatchObject({ email: "Maya@Example.com", password: "correct horse battery", data: {} });
    expect(auth.requests[0].url.searchParams.get("redirect_to")).toBe(`${window.location.origin}/sign-in`);
  });

  it("asks the person to check their email when sign-up answers with a user and no session (email confirmation on)", async () => {
    const auth = fakeAuthServer(({ body }) => ({ status: 200, body: userJson(body.email, false) }));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({ email: "maya@example.com" });

    const status = await screen.findByRole("status");
    expect(status.textContent).toContain("Check your email");
    expect(status.textContent).toContain("maya@example.com");
    expect(screen.queryByRole("button", { name: "Create account" })).toBeNull();
    expect(router.replace).not.toHaveBeenCalled();
  });

  it("says an email is already registered, on the email field", async () => {
    const auth = fakeAuthServer(() => gotrueError(422, "user_already_exists", "User already registered"));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({});

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("An account with this email already exists. Sign in instead.");
    const email = screen.getByLabelText("Email");
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(email.getAttribute("aria-describedby")).toBe("sign-up-error");
    expect(document.activeElement).toBe(email);
    expect(screen.getByRole("button", { name: "Create account" })).toHaveProperty("disabled", false);
  });

  it.each([
    [["length"], "That password is too weak. Password should be at least 10 characters."],
    [["characters"], "Mix upper and lower case letters, digits and symbols in your password."],
    [["pwned"], "This password has appeared in a data breach. Choose another one."],
  ])("explains a weak password the server refused for %j", async (reasons, message) => {
    const auth = fakeAuthServer(() => gotrueError(422, "weak_password", "Password should be at least 10 characters.", { weak_password: { reasons } }));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({});

    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Password").getAttribute("aria-describedby")).toBe("password-hint sign-up-error");
  });

  it("says the server would not take the email address", async () => {
    const auth = fakeAuthServer(() => gotrueError(400, "email_address_invalid", 'Email address "maya@example.invalid" is invalid'));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({ email: "maya@example.invalid" });

    expect((await screen.findByRole("alert")).textContent).toBe("That email address cannot be used. Check it and try again.");
    expect(screen.getByLabelText("Email").getAttribute("aria-invalid")).toBe("true");
  });

  it("answers an unexpected failure with a generic message, not the server's words", async () => {
    const auth = fakeAuthServer(() => gotrueError(500, "unexpected_failure", "Database error saving new user"));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn({});

    expect((await screen.findByRole("alert")).textContent).toBe("Your account could not be created. Please try again.");
  });

  it.each([
    [{ email: "maya@" }, "Email", "Enter your email address, like name@example.com."],
    [{ password: "short", confirm: "short" }, "Password", "Choose a password of at least 8 characters."],
    [{ password: "correct horse battery", confirm: "correct horse batter" }, "Confirm password", "The two passwords do not match."],
  ])("refuses %j before asking the server", async (values, field, message) => {
    const auth = fakeAuthServer(({ body }) => ({ status: 200, body: sessionJson(body.email) }));
    render(<SignUpForm signUp={auth.signUp} />);

    fillIn(values);

    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(screen.getByLabelText(field).getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(screen.getByLabelText(field));
    expect(auth.requests).toHaveLength(0);
  });
});
