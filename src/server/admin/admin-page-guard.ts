// The admin pages' server-side check. The admin layout refuses anyone who is not an admin
// (src/app/forbidden.tsx, status 403), and every admin page asks again before reading
// anything: Next renders a layout and its page independently, so a page must never rely
// on its layout's check.
import { forbidden, redirect } from "next/navigation";
import { readSignedInUser, type SignedInUser } from "@/server/auth/session.ts";

/** The signed-in admin; anyone else signed in gets the 403 page (status 403), a signed-out visitor is sent to sign in. */
export async function readAdminForPage(path: string): Promise<SignedInUser> {
  const user = await readSignedInUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  if (user.role !== "admin") forbidden();
  return user;
}
