// The admin pages' server-side check. The admin layout renders a 403 page for anyone who
// is not an admin, and every admin page asks again before reading anything: Next renders
// a layout and its page independently, so a page must never rely on its layout's check.
import { redirect } from "next/navigation";
import { readSignedInUser, type SignedInUser } from "@/server/auth/session.ts";

/** The signed-in admin, null for a signed-in non-admin; a signed-out visitor is sent to sign in. */
export async function readAdminForPage(path: string): Promise<SignedInUser | null> {
  const user = await readSignedInUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return user.role === "admin" ? user : null;
}
