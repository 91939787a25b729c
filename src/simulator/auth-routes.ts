// TikTok's side of connecting a shop, unsigned as at TikTok: the consent page a seller
// opens from the app's authorization link (GET /oauth/authorize?app_key=..&state=.., or the
// services link GET /open/authorize?service_id=..&state=..), its Authorize button (POST
// /oauth/authorize, then a 302 to the app's redirect URL with `code` and the same `state`),
// and the token endpoints GET /api/v2/token/get and /api/v2/token/refresh.
//
// Each consent page reserves a NEW seller (the next one of newSellerShop), shown by name;
// authorizing creates it with its shop and a month of orders. The page also offers every
// seller created so far, to re-authorize one (a reconnect) instead.
import { randomUUID } from "node:crypto";
import { maxNewSellers, newSellerShop } from "./demo-catalogue.ts";
import { renderConsentPage, renderErrorPage, type ConsentChoice } from "./consent-page.ts";
import { openNewSeller } from "./new-seller.ts";
import type { SellerAuthorizations, TokenFailure, TokenGrant } from "./seller-authorizations.ts";
import type { ShopWorld } from "./shop-world.ts";

export interface AuthRoutesOptions {
  appKey: string;
  appSecret: string;
  /** Shown on the consent page. */
  appName: string;
  /** The app's registered redirect URL. */
  redirectUri: string;
  /** The app's service id, for the services link. */
  serviceId: string;
  world: ShopWorld;
  authorizations: SellerAuthorizations;
  now: () => number;
  /** Makes the new sellers' shops and histories repeatable. */
  seed: number;
}

export type AuthAnswer =
  | { kind: "html"; status: number; html: string }
  | { kind: "redirect"; location: string }
  | { kind: "json"; status: number; payload: { code: number; message: string; data: unknown }; reason?: string };

// The token endpoints answer HTTP 200 and say what went wrong in `code`. 36004004, 36004005
// and 36004001 are codes TikTok sends; 36009007 and 36009002 are the simulator's own.
const tokenFailures = {
  unknown_code: { code: 36004004, message: "Invalid auth_code: unknown, already used or expired." },
  unknown_refresh_token: { code: 36004005, message: "can not find related auth record" },
  expired_refresh_token: { code: 36004001, message: "rt has expired" },
  bad_app: { code: 36009007, message: "Invalid app_key or app_secret." },
  bad_request: { code: 36009002, message: "Invalid request parameters." },
} as const;

/** How long a consent page may stay open before its Authorize button stops working. */
const consentLifetimeSeconds = 30 * 60;

export function createAuthRoutes(options: AuthRoutesOptions) {
  const { world, authorizations } = options;
  const pending = new Map<string, { state: string | null; sellerIndex: number; expiresAt: number; openId?: string }>();
  let reservedSellers = 0;
  const nowSeconds = () => Math.floor(options.now() / 1000);

  function consentPage(state: string | null): AuthAnswer {
    for (const [id, consent] of pending) if (nowSeconds() >= consent.expiresAt) pending.delete(id);
    if (reservedSellers >= maxNewSellers) return { kind: "html", status: 503, html: renderErrorPage("No more sellers", `The simulator signs up at most ${maxNewSellers} sellers.`) };
    const sellerIndex = ++reservedSellers;
    const consentId = randomUUID();
    pending.set(consentId, { state, sellerIndex, expiresAt: nowSeconds() + consentLifetimeSeconds });
    const shop = newSellerShop(sellerIndex);
    const choices: ConsentChoice[] = [
      { value: "new", sellerName: shop.creatorName, shops: [shop], isNew: true },
      ...[...world.sellers.values()].map((seller) => ({ value: seller.openId, sellerName: seller.sellerName, shops: seller.shops, isNew: false })),
    ];
    return { kind: "html", status: 200, html: renderConsentPage({ appName: options.appName, consentId, choices }) };
  }

  function authorize(form: URLSearchParams): AuthAnswer {
    const consent = pending.get(form.get("consent_id") ?? "");
    if (consent === undefined || nowSeconds() >= consent.expiresAt) {
      return { kind: "html", status: 400, html: renderErrorPage("This authorization page has expired", "Go back to the app and connect your shop again.") };
    }
    const choice = form.get("seller") ?? "new";
    let openId: string;
    if (choice === "new") {
      // A second click on the same page authorizes the seller the first click created.
      consent.openId ??= openNewSeller(world, consent.sellerIndex, { seed: options.seed, nowSeconds: nowSeconds() }).openId;
      openId = consent.openId;
    } else if (world.sellers.has(choice)) {
      openId = choice;
    } else {
      return { kind: "html", status: 400, html: renderErrorPage("Unknown seller", "Choose a seller on the authorization page.") };
    }
    return redirectWithCode(options, openId, consent.state);
  }

  /** The answer to an authorization or token request, or undefined for any other path. */
  return function authRoute(method: string, url: URL, body: string): AuthAnswer | undefined {
    const path = url.pathname;
    const query = url.searchParams;
    if (method === "GET" && (path === "/oauth/authorize" || path === "/open/authorize")) {
      const known = path === "/oauth/authorize" ? query.get("app_key") === options.appKey : query.get("service_id") === options.serviceId;
      if (!known) return { kind: "html", status: 400, html: renderErrorPage("Unknown app", "The authorization link names no app this TikTok Shop knows.") };
      return consentPage(query.get("state"));
    }
    if (method === "POST" && (path === "/oauth/authorize" || path === "/open/authorize")) return authorize(new URLSearchParams(body));
    if (method === "GET" && (path === "/api/v2/token/get" || path === "/api/v2/token/refresh")) return tokenRoute(options, path, query);
    return undefined;
  };
}

/** Back to the app's redirect URL with a new authorization code for the seller, and the state the app sent. */
function redirectWithCode(options: AuthRoutesOptions, openId: string, state: string | null): AuthAnswer {
  const location = new URL(options.redirectUri);
  location.searchParams.set("app_key", options.appKey);
  location.searchParams.set("code", options.authorizations.issueCode(openId));
  location.searchParams.set("locale", "en");
  location.searchParams.set("shop_region", options.world.sellers.get(openId)?.baseRegion ?? "US");
  if (state !== null) location.searchParams.set("state", state);
  return { kind: "redirect", location: location.toString() };
}

/** GET /api/v2/token/get (a code for tokens) and /api/v2/token/refresh (a refresh token for new ones). */
function tokenRoute(options: AuthRoutesOptions, path: string, query: URLSearchParams): AuthAnswer {
  const { authorizations } = options;
  if (query.get("app_key") !== options.appKey || query.get("app_secret") !== options.appSecret) return tokenAnswer("bad_app");
  if (path === "/api/v2/token/get") {
    const code = query.get("auth_code");
    if (query.get("grant_type") !== "authorized_code" || code === null) return tokenAnswer("bad_request");
    return tokenAnswer(authorizations.exchangeCode(code));
  }
  const refreshToken = query.get("refresh_token");
  if (query.get("grant_type") !== "refresh_token" || refreshToken === null) return tokenAnswer("bad_request");
  return tokenAnswer(authorizations.refresh(refreshToken));
}

function tokenAnswer(result: TokenGrant | TokenFailure | keyof typeof tokenFailures): AuthAnswer {
  if (typeof result === "string") return { kind: "json", status: 200, payload: { ...tokenFailures[result], data: null }, reason: result };
  return { kind: "json", status: 200, payload: { code: 0, message: "success", data: result } };
}
