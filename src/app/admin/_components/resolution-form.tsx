"use client";

// What the single and the bulk conflict resolution share: the choice of resolution and
// the reason, checking a custom count, posting, and reporting the server's answer.
import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import styles from "@/app/admin/admin.module.css";

type ResolutionKind = "keep_local" | "accept_external" | "custom";
export type Resolution = { kind: "keep_local" } | { kind: "accept_external" } | { kind: "custom"; value: number };

export interface Outcome {
  tone: "ok" | "error";
  message: string;
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server answered ${response.status}`;
}

function toResolution(kind: ResolutionKind, custom: string): Resolution | null {
  if (kind !== "custom") return { kind };
  const value = Number(custom);
  return custom.trim() !== "" && Number.isInteger(value) && value >= 0 ? { kind, value } : null;
}

export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/**
 * The form's state and its submit: `send` posts the resolution and reason; on a 2xx,
 * `resolved` reads the answer into the outcome shown (and does what else the caller
 * needs), then the page's server data is refreshed.
 */
export function useResolutionForm(options: { send: (resolution: Resolution, reason: string) => Promise<Response>; resolved: (response: Response) => Promise<Outcome> }) {
  const router = useRouter();
  const [kind, setKind] = useState<ResolutionKind>("keep_local");
  const [custom, setCustom] = useState("");
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const resolution = toResolution(kind, custom);
    if (!resolution) {
      setOutcome({ tone: "error", message: "A custom count is a whole number of units, 0 or more." });
      return;
    }
    startTransition(async () => {
      const response = await options.send(resolution, reason);
      if (!response.ok) {
        setOutcome({ tone: "error", message: await errorMessage(response) });
        return;
      }
      setOutcome(await options.resolved(response));
      router.refresh();
    });
  };
  return { kind, setKind, custom, setCustom, reason, setReason, outcome, pending, submit };
}

export type ResolutionFormState = ReturnType<typeof useResolutionForm>;

/** Radios for the three ways to resolve, the custom count, and the reason; `channelName` names whose count disagrees (TikTok by default). */
export function ResolutionFields({ idPrefix, reasonLabel, form, channelName = "TikTok" }: { idPrefix: string; reasonLabel: string; form: ResolutionFormState; channelName?: string }) {
  const { kind, setKind } = form;
  return (
    <>
      <fieldset>
        <legend>Resolution</legend>
        <label className={styles.choice}>
          <input type="radio" name={`${idPrefix}-kind`} value="keep_local" checked={kind === "keep_local"} onChange={() => setKind("keep_local")} />
          Keep local count
        </label>
        <label className={styles.choice}>
          <input type="radio" name={`${idPrefix}-kind`} value="accept_external" checked={kind === "accept_external"} onChange={() => setKind("accept_external")} />
          Accept {channelName}&apos;s count
        </label>
        <label className={styles.choice}>
          <input type="radio" name={`${idPrefix}-kind`} value="custom" checked={kind === "custom"} onChange={() => setKind("custom")} />
          Custom count
        </label>
        {kind === "custom" ? (
          <label className={styles.choice}>
            Custom count value
            <input className={styles.customValue} type="number" min={0} step={1} required inputMode="numeric" value={form.custom} onChange={(event) => form.setCustom(event.target.value)} />
          </label>
        ) : null}
      </fieldset>
      <label className={styles.field}>
        {reasonLabel}
        <textarea required maxLength={500} rows={2} value={form.reason} onChange={(event) => form.setReason(event.target.value)} />
      </label>
    </>
  );
}

/** The live answer under a form: empty until there is one, so screen readers hear it when it comes. */
export function OutcomeStatus({ outcome }: { outcome: Outcome | null }) {
  return (
    <p className={styles.status} role="status" data-tone={outcome?.tone}>
      {outcome?.message ?? ""}
    </p>
  );
}
