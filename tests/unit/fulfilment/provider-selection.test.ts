import { describe, expect, it } from "vitest";
import { chooseFulfilmentProviders, createFulfilmentProviders, isLocalApi } from "../../../src/core/fulfilment/provider-selection.ts";

const simulator = "http://127.0.0.1:54330";
const tiktok = "https://open-api.tiktokglobalshop.com";
const noClients = () => {
  throw new Error("no TikTok call is expected here");
};

describe("choosing the fulfilment providers", () => {
  it("uses no simulated provider when FULFILMENT_PROVIDERS is unset, and says orders the seller ships will need configuration", () => {
    for (const providers of [undefined, "", "   "]) {
      const choice = chooseFulfilmentProviders({ providers, tiktokApiBaseUrl: tiktok });
      expect(choice).toMatchObject({ payments: "tiktok", sellerShipping: "unconfigured" });
      expect(choice.notices.join(" ")).toMatch(/needs_configuration/);
    }
  });

  it("uses the simulated carrier with FULFILMENT_PROVIDERS=simulated against a local simulator", () => {
    for (const tiktokApiBaseUrl of [simulator, "http://localhost:54330", "http://[::1]:54330", "http://127.0.0.2:9000/"]) {
      expect(chooseFulfilmentProviders({ providers: "simulated", tiktokApiBaseUrl })).toEqual({ payments: "tiktok", sellerShipping: "simulated_carrier", notices: [] });
    }
  });

  it("refuses the simulated carrier when the TikTok API is not on this machine, whatever the setting says", () => {
    for (const tiktokApiBaseUrl of [tiktok, "http://127.0.0.1.example.com", "http://10.0.0.5:54330", "not a url"]) {
      const choice = chooseFulfilmentProviders({ providers: "simulated", tiktokApiBaseUrl });
      expect(choice.sellerShipping).toBe("unconfigured");
      expect(choice.notices.join(" ")).toMatch(/FULFILMENT_PROVIDERS=simulated is ignored/);
    }
  });

  it("takes an unknown value for no carrier, and says so", () => {
    const choice = chooseFulfilmentProviders({ providers: "acme-post", tiktokApiBaseUrl: simulator });
    expect(choice.sellerShipping).toBe("unconfigured");
    expect(choice.notices.join(" ")).toMatch(/FULFILMENT_PROVIDERS=acme-post is not a setting/);
  });

  it("tells a local API from a remote one", () => {
    expect([simulator, "https://localhost", tiktok, "ftp://127.0.0.1", "http://127.0.0.1.nip.io"].map(isLocalApi)).toEqual([true, true, false, false, false]);
  });
});

describe("the providers a choice names", () => {
  it("has no carrier at all where none is configured, and TikTok's payment record everywhere", async () => {
    const unconfigured = createFulfilmentProviders(chooseFulfilmentProviders({ providers: undefined, tiktokApiBaseUrl: tiktok }), { tiktok: noClients });
    expect(unconfigured.carrier).toBeNull();
    expect(await unconfigured.payments.findPayment("saga:1:payment")).toBeNull();
    await expect(unconfigured.payments.refundPayment({ reference: "tiktok-order-1", amountMinor: 1 })).rejects.toMatchObject({ service: "payments", permanent: true });

    const local = createFulfilmentProviders(chooseFulfilmentProviders({ providers: "simulated", tiktokApiBaseUrl: simulator }), { tiktok: noClients });
    expect(local.carrier?.name).toBe("SimPost");
  });
});
