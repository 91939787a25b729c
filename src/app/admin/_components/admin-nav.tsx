"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import styles from "@/app/admin/admin.module.css";

const sections = [
  { href: "/admin", label: "Conflicts" },
  { href: "/admin/history", label: "History" },
  { href: "/admin/journey", label: "Journey" },
  { href: "/admin/dead-letters", label: "Dead letters" },
  { href: "/admin/projections", label: "Projections" },
  { href: "/admin/reconciliation", label: "Reconciliation" },
  { href: "/admin/health", label: "System health" },
  { href: "/admin/event-store", label: "Event store" },
];

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin sections">
      <ul className={styles.nav}>
        {sections.map((section) => (
          <li key={section.href}>
            <Link href={section.href} aria-current={pathname === section.href ? "page" : undefined}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
