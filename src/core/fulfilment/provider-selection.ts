// Which providers the fulfilment saga uses where it runs. One setting decides where the
// simulated ones may run: FULFILMENT_PROVIDERS=simulated, which only the local stack sets
// (scripts/dev.ts, the e2e setup, the benchmarks), and only while the TikTok Shop API it
// talks to is a local simulator. Everywhere else:
// - payments are TikTok's own record of the buyer's payment (TikTok collects it);
// - an order TikTok's shipping carries gets its handover and label from TikTok's API;
// - an order the seller ships needs a real carrier adapter, and none exists yet, so it
//   stops in needs_configuration: no label, no tracking number, no ship call.
import { createSimulatedCarrier } from "./carrier-simulator.ts";
import type { Carrier, PaymentGateway, TikTokClientProvider } from "./ports.ts";
import { createTikTokPaymentGateway } from "./tiktok-payments.ts";

export const FULFILMENT_PROVIDERS_SETTING = "FULFILMENT_PROVIDERS";

export interface FulfilmentProviderSettings {
  /** FULFILMENT_PROVIDERS as set, or undefined. */
  providers: string | undefined;
  /** Where the TikTok Shop API calls go (TIKTOK_API_BASE_URL, or the function's default). */
  tiktokApiBaseUrl: string;
}

export interface FulfilmentProviderChoice {
  /** TikTok collects the buyer's payment, everywhere: the payment step records TikTok's. */
  payments: "tiktok";
  /** The label for an order the seller ships: the simulated carrier on the local stack, otherwise none configured. */
  sellerShipping: "simulated_carrier" | "unconfigured";
  /** What the function should log: a setting not honoured, or what stops for lack of configuration. */
  notices: string[];
}

const loopbackHosts = new Set(["localhost", "[::1]"]);

/** A TikTok API on this machine (the simulator), not TikTok's. */
export function isLocalApi(baseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return loopbackHosts.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

export function chooseFulfilmentProviders(settings: FulfilmentProviderSettings): FulfilmentProviderChoice {
  const requested = settings.providers?.trim() ?? "";
  const unconfigured = `no carrier is configured: orders the seller ships stop in needs_configuration (orders TikTok's shipping carries go through TikTok's fulfilment API)`;
  if (requested === "") return { payments: "tiktok", sellerShipping: "unconfigured", notices: [unconfigured] };
  if (requested !== "simulated") {
    return { payments: "tiktok", sellerShipping: "unconfigured", notices: [`${FULFILMENT_PROVIDERS_SETTING}=${requested} is not a setting this build knows (only "simulated", for the local stack); ${unconfigured}`] };
  }
  if (!isLocalApi(settings.tiktokApiBaseUrl)) {
    return {
      payments: "tiktok",
      sellerShipping: "unconfigured",
      notices: [`${FULFILMENT_PROVIDERS_SETTING}=simulated is ignored: the TikTok Shop API at ${settings.tiktokApiBaseUrl} is not a local simulator, and a simulated label must never reach a real shop; ${unconfigured}`],
    };
  }
  return { payments: "tiktok", sellerShipping: "simulated_carrier", notices: [] };
}

export interface FulfilmentProviders {
  payments: PaymentGateway;
  carrier: Carrier | null;
}

/** The providers a choice names, for the saga's dependencies. */
export function createFulfilmentProviders(choice: FulfilmentProviderChoice, options: { tiktok: TikTokClientProvider }): FulfilmentProviders {
  return {
    payments: createTikTokPaymentGateway({ tiktok: options.tiktok }),
    carrier: choice.sellerShipping === "simulated_carrier" ? createSimulatedCarrier().carrier : null,
  };
}
