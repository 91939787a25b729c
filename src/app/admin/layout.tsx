import type { Metadata } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { readAdminForPage } from "@/server/admin/admin-page-guard.ts";
import { AdminNav } from "./_components/admin-nav.tsx";
import styles from "./admin.module.css";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · CreatorFlow Sync" } };

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await connection();
  // Refused in server code (403); the pages check again and RLS is the second wall.
  await readAdminForPage("/admin");
  return (
    <div className={styles.shell}>
      <AdminNav />
      {children}
    </div>
  );
}
