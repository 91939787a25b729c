"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "@/app/admin/admin.module.css";

/** Request a retry of one pending dead letter, or discard it; the page re-reads the letter afterwards. */
export function DeadLetterActions({ id }: { id: string }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  const act = (action: "retry" | "discard") =>
    startTransition(async () => {
      const response = await fetch(`/api/admin/dead-letters/${id}/${action}`, { method: "POST" });
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (!response.ok) {
        setMessage({ tone: "error", text: body?.error?.message ?? `The server answered ${response.status}` });
        return;
      }
      setMessage({ tone: "ok", text: action === "retry" ? "Retry requested: the consumer carries it out before its next batch." : "Discarded." });
      router.refresh();
    });

  return (
    <div className={styles.actions}>
      <button type="button" onClick={() => act("retry")} disabled={pending}>
        Retry
      </button>
      <button type="button" className={styles.danger} onClick={() => act("discard")} disabled={pending}>
        Discard
      </button>
      <p className={styles.status} role="status" data-tone={message?.tone}>
        {message?.text ?? ""}
      </p>
    </div>
  );
}
