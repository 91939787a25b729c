// Steps of the specs that connect a TikTok Shop: signing up through the real form, the
// simulated TikTok's consent page, and what the browser was answered.
import { expect, type Page } from "@playwright/test";
import type { Sql } from "postgres";
import { uniqueId } from "../test-data.ts";

const PASSWORD = "a-long-enough-password";
const newEmail = () => `e2e-connect-${uniqueId()}@creatorflow.test`;

/** Every answer the browser receives (status, headers, body), for the search at the end. */
export function recordAnswers(page: Page): string[] {
  const answers: string[] = [];
  page.on("response", async (response) => {
    let body = "";
    let headers: Record<string, string> = response.headers();
    try {
      body = await response.text();
      headers = await response.allHeaders();
    } catch {
      // Redirects and aborted loads have no body; an answer still arriving when its page
      // closes keeps the headers it came with.
    }
    answers.push(`${response.status()} ${response.url()} ${JSON.stringify(headers)}\n${body}`);
  });
  return answers;
}

export async function signUp(page: Page): Promise<string> {
  const email = newEmail();
  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/onboarding");
  return email;
}

export async function creatorIdOf(sql: Sql, email: string): Promise<string> {
  const [user] = await sql<{ creator_id: string }[]>`select raw_app_meta_data ->> 'creator_id' as creator_id from auth.users where email = ${email}`;
  return user!.creator_id;
}

/** On the simulated TikTok: pick a seller ("new" signs one up) and press Authorize. Returns the callback URL TikTok sent the browser to. */
export async function authorizeOnTikTok(page: Page, seller: "new" | { name: string }): Promise<string> {
  await expect(page.getByRole("button", { name: "Authorize" })).toBeVisible();
  if (seller !== "new") await page.getByRole("radio", { name: new RegExp(`Sign in as ${seller.name}`) }).check();
  const callback = page.waitForRequest((request) => new URL(request.url()).pathname === "/api/tiktok/callback");
  await page.getByRole("button", { name: "Authorize" }).click();
  return (await callback).url();
}

