// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionBadge } from "../../../src/app/dashboard/_components/connection-badge.tsx";
import type { ConnectionState } from "../../../src/lib/dashboard/use-dashboard-live.ts";

afterEach(cleanup);

describe("connection badge", () => {
  it.each<[ConnectionState, string]>([
    ["connecting", "Connecting…"],
    ["live", "Live"],
    ["reconnecting", "Reconnecting…"],
  ])("announces the %s state as a status with the last update time", (state, label) => {
    render(<ConnectionBadge state={state} lastUpdateAt="2026-11-22T10:15:30.000Z" stale={false} locale="en-US" />);
    const badge = screen.getByRole("status");
    expect(badge.dataset.state).toBe(state);
    expect(badge.textContent).toContain(label);
    expect(badge.textContent).toContain("last update");
    expect(badge.querySelector("time")?.getAttribute("datetime")).toBe("2026-11-22T10:15:30.000Z");
  });

  it("says since when it is offline: the time of the last figures the device received", () => {
    render(<ConnectionBadge state="offline" lastUpdateAt="2026-11-22T10:15:30.000Z" stale={false} locale="en-US" />);
    const badge = screen.getByRole("status");
    expect(badge.dataset.state).toBe("offline");
    expect(screen.getByTestId("offline-since").textContent).toMatch(/^Offline since \d\d:\d\d:\d\d/);
    expect(badge.querySelector("time")?.getAttribute("datetime")).toBe("2026-11-22T10:15:30.000Z");
  });

  it("warns when a refresh failed and the numbers may be behind", () => {
    render(<ConnectionBadge state="live" lastUpdateAt="2026-11-22T10:15:30.000Z" stale locale="en-US" />);
    expect(screen.getByRole("status").textContent).toContain("numbers may be behind");
  });
});
