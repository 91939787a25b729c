// The simulated TikTok Shop consent page: which app asks, as which seller, for which shops,
// and the Authorize button. Plain HTML, no script; every value escaped.
import type { DemoShop } from "./demo-catalogue.ts";

export interface ConsentChoice {
  /** "new" for the seller this page signs up, else an open id. */
  value: string;
  sellerName: string;
  shops: Pick<DemoShop, "shopName" | "region">[];
  isNew: boolean;
}

export interface ConsentPageInput {
  appName: string;
  consentId: string;
  choices: ConsentChoice[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const style = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#161823}
h1{font-size:1.4rem}fieldset{border:1px solid #ddd;border-radius:8px;padding:1rem}label{display:block;margin:.5rem 0}
button{background:#fe2c55;color:#fff;border:0;border-radius:6px;padding:.7rem 1.4rem;font-size:1rem;cursor:pointer}
.note{color:#666;font-size:.85rem}`;

function shopList(shops: ConsentChoice["shops"]): string {
  return shops.map((shop) => `${escapeHtml(shop.shopName)} (${escapeHtml(shop.region)})`).join(", ");
}

export function renderConsentPage({ appName, consentId, choices }: ConsentPageInput): string {
  const options = choices
    .map(
      (choice, index) =>
        `<label><input type="radio" name="seller" value="${escapeHtml(choice.value)}"${index === 0 ? " checked" : ""}> ` +
        `${choice.isNew ? "Sign up as a new seller: " : "Sign in as "}<strong>${escapeHtml(choice.sellerName)}</strong>, shop ${shopList(choice.shops)}</label>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize ${escapeHtml(appName)} - TikTok Shop (simulated)</title><style>${style}</style></head>
<body>
<main>
<h1>Authorize ${escapeHtml(appName)}</h1>
<p><strong>${escapeHtml(appName)}</strong> would like to access your TikTok Shop: your shop's information, orders, products, stock and fulfilment.</p>
<form method="post" action="/oauth/authorize">
<input type="hidden" name="consent_id" value="${escapeHtml(consentId)}">
<fieldset>
<legend>Seller account</legend>
${options}
</fieldset>
<p><button type="submit">Authorize</button></p>
</form>
<p class="note">This is the TikTok Shop simulator: no real account is involved.</p>
</main>
</body>
</html>
`;
}

export function renderErrorPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} - TikTok Shop (simulated)</title><style>${style}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></main></body>
</html>
`;
}
