"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "@/app/admin/admin.module.css";

/** Retry or discard one pending dead letter; the page re-reads the list afterwards. */
export function DeadLetterActions({ id, retryable }: { id: string; retryable: boolean }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  const act = (action: "retry" | "discard") =>
    startTransition(async () => {
      const response = await fetch(`/api/admin/dead-letters/${id}/${action}`, { method: "POST" });
      const body = (await response.json().catch(() => null)) as { ok?: boolean; error?: string | { message?: string } } | null;
      if (!response.ok) {
        setMessage({ tone: "error", text: typeof body?.error === "object" ? (body.error.message ?? "Failed") : `The server answered ${response.status}` });
        return;
      }
      if (action === "retry" && body?.ok === false) {
        setMessage({ tone: "error", text: `Failed again: ${typeof body.error === "string" ? body.error : "unknown error"}` });
      } else {
        setMessage({ tone: "ok", text: action === "retry" ? "Retried: the consumer handled the event." : "Discarded." });
      }
      router.refresh();
    });

  return (
    <div className={styles.actions}>
      <button type="button" onClick={() => act("retry")} disabled={pending || !retryable} aria-describedby={retryable ? undefined : `${id}-not-here`}>
        Retry
      </button>
      <button type="button" className={styles.danger} onClick={() => act("discard")} disabled={pending}>
        Discard
      </button>
      {retryable ? null : (
        <span id={`${id}-not-here`} className="section-note">
          This consumer runs in the process-events function; retry it there.
        </span>
      )}
      <p className={styles.status} role="status" data-tone={message?.tone}>
        {message?.text ?? ""}
      </p>
    </div>
  );
}
