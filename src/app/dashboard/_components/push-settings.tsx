"use client";

import { useEffect, useId, useState, type FormEvent } from "react";
import { PUSH_KINDS, type PushKind } from "@/core/notifications/pushed-alert.ts";
import { loadPushPreferences, pushSupport, turnOffPush, turnOnPush, type PushPreferences, type PushSupport } from "@/lib/notifications/push-device-client.ts";

const kindLabels: Record<PushKind, string> = {
  stock_out: "A product is about to sell out (emergency stock level)",
  unfulfillable_order: "An order cannot be fulfilled",
  shop_reconnect: "A TikTok Shop needs reconnecting",
  sales_spike: "Sales are spiking",
};

const defaults: PushPreferences = { kinds: [...PUSH_KINDS], quietHours: null };

/** Notifications on this device: on or off, which kinds, and quiet hours. */
export function PushSettings({ creatorQuery }: { creatorQuery: string | null }) {
  const [draft, setDraft] = useState<PushPreferences>(defaults);
  const [quiet, setQuiet] = useState(false);
  const { support, saved, message, busy, turnOn, turnOff } = usePushDevice(creatorQuery, (preferences) => {
    setDraft(preferences);
    setQuiet(preferences.quietHours !== null);
  });

  const toggleKind = (kind: PushKind, on: boolean) => setDraft((current) => ({ ...current, kinds: on ? [...current.kinds, kind] : current.kinds.filter((candidate) => candidate !== kind) }));

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void turnOn({ kinds: draft.kinds, quietHours: quiet ? (draft.quietHours ?? { start: "22:00", end: "07:00" }) : null });
  }

  return (
    <details className="panel push-settings">
      <summary>
        Notifications on this device: <strong>{saved ? "on" : "off"}</strong>
      </summary>
      {support === "unsupported" ? (
        <p>This browser cannot receive notifications. On a phone, add CreatorFlow to the home screen first.</p>
      ) : support === "denied" ? (
        <p>Notifications are blocked for this site. Allow them in the browser&apos;s site settings, then come back here.</p>
      ) : (
        <form onSubmit={save}>
          <fieldset>
            <legend>Tell me when</legend>
            {PUSH_KINDS.map((kind) => (
              <label key={kind} className="checkbox-line">
                <input type="checkbox" checked={draft.kinds.includes(kind)} onChange={(event) => toggleKind(kind, event.target.checked)} /> {kindLabels[kind]}
              </label>
            ))}
          </fieldset>
          <QuietHoursFieldset quiet={quiet} onQuietChange={setQuiet} draft={draft} onDraftChange={setDraft} />
          <div className="button-row">
            <button type="submit" disabled={busy || draft.kinds.length === 0}>
              {saved ? "Save" : "Turn on notifications"}
            </button>
            {saved ? (
              <button type="button" className="link-button" onClick={() => void turnOff()} disabled={busy}>
                Turn off
              </button>
            ) : null}
          </div>
        </form>
      )}
      <p role="status" className="section-note">
        {message}
      </p>
    </details>
  );
}

/** This device's push subscription: whether the browser can have one, the preferences saved with it, turning it on and off. */
function usePushDevice(creatorQuery: string | null, onLoaded: (preferences: PushPreferences) => void) {
  const [support, setSupport] = useState<PushSupport | null>(null);
  const [saved, setSaved] = useState<PushPreferences | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setSupport(pushSupport());
    void loadPushPreferences().then((preferences) => {
      setSaved(preferences);
      if (preferences) onLoaded(preferences);
    });
    // Once, on opening: what this device saved last time (onLoaded only sets state).
  }, []);

  async function turnOn(preferences: PushPreferences) {
    setBusy(true);
    setMessage(null);
    try {
      await turnOnPush(preferences, creatorQuery);
      setSaved(preferences);
      setMessage("Notifications are on for this device.");
    } catch (error) {
      setMessage(error instanceof Error ? error.message : "Could not turn notifications on.");
    } finally {
      setBusy(false);
    }
  }

  async function turnOff() {
    setBusy(true);
    try {
      await turnOffPush(creatorQuery);
      setSaved(null);
      setMessage("Notifications are off for this device.");
    } catch {
      setMessage("Could not turn notifications off; try again.");
    } finally {
      setBusy(false);
    }
  }

  return { support, saved, message, busy, turnOn, turnOff };
}

/** Quiet hours: on or off, and from when to when (22:00 to 07:00 until changed). */
function QuietHoursFieldset({ quiet, onQuietChange, draft, onDraftChange }: {
  quiet: boolean;
  onQuietChange: (quiet: boolean) => void;
  draft: PushPreferences;
  onDraftChange: (change: (current: PushPreferences) => PushPreferences) => void;
}) {
  const id = useId();
  return (
    <fieldset>
      <legend>Quiet hours</legend>
      <label className="checkbox-line">
        <input type="checkbox" checked={quiet} onChange={(event) => onQuietChange(event.target.checked)} /> No notifications between
      </label>
      <span className="quiet-hours">
        <label htmlFor={`${id}-start`} className="visually-hidden">Quiet hours start</label>
        <input id={`${id}-start`} type="time" disabled={!quiet} value={draft.quietHours?.start ?? "22:00"} onChange={(event) => onDraftChange((current) => ({ ...current, quietHours: { start: event.target.value, end: current.quietHours?.end ?? "07:00" } }))} />
        {" and "}
        <label htmlFor={`${id}-end`} className="visually-hidden">Quiet hours end</label>
        <input id={`${id}-end`} type="time" disabled={!quiet} value={draft.quietHours?.end ?? "07:00"} onChange={(event) => onDraftChange((current) => ({ ...current, quietHours: { start: current.quietHours?.start ?? "22:00", end: event.target.value } }))} />
      </span>
    </fieldset>
  );
}
