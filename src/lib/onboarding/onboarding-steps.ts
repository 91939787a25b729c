// Where a new creator stands on the way to a live dashboard: connect a TikTok Shop, import
// what it already has, go live. Derived from the onboarding state alone, so the page, the
// tests and any later caller agree on what "done" means.

export interface OnboardingShop {
  shopId: string;
  shopName: string | null;
  connectedAt: string;
}

/** The first import of a connected shop (products, stock, recent orders). */
export interface ImportProgress {
  status: "running" | "completed" | "failed";
  importedCount: number;
  /** How many items the import expects, when the marketplace has said. */
  totalCount: number | null;
  /** Products (with their stock) first, then orders. */
  phase?: "products" | "orders" | "done";
  productsImported?: number;
  ordersImported?: number;
  productsTotal?: number | null;
  ordersTotal?: number | null;
}

export interface OnboardingState {
  shops: OnboardingShop[];
  /**
   * The latest import, or null when none is recorded (nothing started yet, or shops linked
   * before imports existed, like the demo seed's): then there is nothing to wait for.
   */
  import: ImportProgress | null;
}

export type StepStatus = "done" | "current" | "todo";

export interface OnboardingSteps {
  connect: StepStatus;
  import: StepStatus;
  live: StepStatus;
}

export function onboardingSteps(state: OnboardingState): OnboardingSteps {
  if (state.shops.length === 0) return { connect: "current", import: "todo", live: "todo" };
  const importing = state.import !== null && state.import.status !== "completed";
  if (importing) return { connect: "done", import: "current", live: "todo" };
  return { connect: "done", import: "done", live: "current" };
}
