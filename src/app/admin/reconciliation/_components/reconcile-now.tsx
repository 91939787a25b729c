"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "@/app/admin/admin.module.css";

/** Asks for a reconciliation now; the run shows in the list once the fulfilment lane has run it. */
export function ReconcileNow() {
  const router = useRouter();
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const request = () =>
    startTransition(async () => {
      const response = await fetch("/api/admin/reconciliation", { method: "POST" });
      setMessage(response.ok ? { tone: "ok", text: "Requested: the run appears below in a few seconds." } : { tone: "error", text: `The server answered ${response.status}` });
      router.refresh();
    });
  return (
    <div className={styles.actions}>
      <button type="button" onClick={request} disabled={pending}>
        Reconcile now
      </button>
      <p className={styles.status} role="status" data-tone={message?.tone}>
        {message?.text ?? ""}
      </p>
    </div>
  );
}
