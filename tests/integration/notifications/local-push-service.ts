// A local stand-in for a browser's push service (FCM, Mozilla autopush...), as RFC 8030/8291/8292
// describe what it receives: each device is a URL; a push must carry a VAPID JWT (ES256,
// audience = the service's origin, an expiry within 24 hours, a contact) signed by the key in
// `k`, and an aes128gcm body, which the device (here, with its private key and auth secret)
// decrypts. A device can be made to answer 410 Gone, as for an expired subscription.
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decrypt } from "http_ece";

export interface ReceivedPush {
  device: string;
  payload: unknown;
  vapidPublicKey: string;
  ttl: number;
  urgency: string | null;
}

export interface LocalDevice {
  name: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface LocalPushService {
  url: string;
  received: ReceivedPush[];
  /** Pushes refused for a bad JWT or body, with the reason. */
  refused: string[];
  newDevice(name: string, options?: { gone?: boolean }): LocalDevice;
  close(): Promise<void>;
}

const fromBase64url = (text: string) => Buffer.from(text, "base64url");

/** The VAPID JWT's claims when its ES256 signature verifies with the raw P-256 key `k`; else why not. */
function verifyVapid(authorization: string | undefined, audience: string, now: number): { ok: true; k: string } | { ok: false; reason: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? "");
  if (!match) return { ok: false, reason: "no vapid authorization" };
  const [, token, k] = match as unknown as [string, string, string];
  const raw = fromBase64url(k);
  if (raw.length !== 65 || raw[0] !== 4) return { ok: false, reason: "k is not an uncompressed P-256 point" };
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") }, format: "jwk" });
  const [header, claims, signature] = token.split(".") as [string, string, string];
  const signatureOk = verify("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" }, fromBase64url(signature));
  if (!signatureOk) return { ok: false, reason: "bad signature" };
  const parsedHeader = JSON.parse(fromBase64url(header).toString()) as { alg?: string };
  const parsedClaims = JSON.parse(fromBase64url(claims).toString()) as { aud?: string; exp?: number; sub?: string };
  if (parsedHeader.alg !== "ES256") return { ok: false, reason: "alg is not ES256" };
  if (parsedClaims.aud !== audience) return { ok: false, reason: `aud ${parsedClaims.aud} is not ${audience}` };
  if (!parsedClaims.exp || parsedClaims.exp <= now || parsedClaims.exp > now + 24 * 60 * 60) return { ok: false, reason: "exp missing, past or beyond 24 h" };
  if (!parsedClaims.sub || !/^(mailto:|https:)/.test(parsedClaims.sub)) return { ok: false, reason: "sub is not a mailto: or https: contact" };
  return { ok: true, k };
}

export async function startLocalPushService(): Promise<LocalPushService> {
  const devices = new Map<string, { ecdh: ECDH; auth: string; gone: boolean }>();
  const received: ReceivedPush[] = [];
  const refused: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const name = decodeURIComponent(new URL(request.url ?? "/", "http://local").pathname.replace(/^\/push\//, ""));
      const device = devices.get(name);
      if (request.method !== "POST" || !device) return void response.writeHead(404).end();
      if (device.gone) return void response.writeHead(410).end();
      const vapid = verifyVapid(request.headers.authorization, url, Math.floor(Date.now() / 1000));
      if (!vapid.ok) {
        refused.push(vapid.reason);
        return void response.writeHead(403).end();
      }
      if (request.headers["content-encoding"] !== "aes128gcm") {
        refused.push("content-encoding is not aes128gcm");
        return void response.writeHead(415).end();
      }
      let payload: unknown;
      try {
        payload = JSON.parse(decrypt(Buffer.concat(chunks), { version: "aes128gcm", privateKey: device.ecdh, authSecret: device.auth }).toString("utf8"));
      } catch (error) {
        refused.push(`body does not decrypt: ${String(error)}`);
        return void response.writeHead(400).end();
      }
      received.push({ device: name, payload, vapidPublicKey: vapid.k, ttl: Number(request.headers.ttl), urgency: (request.headers.urgency as string | undefined) ?? null });
      response.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    refused,
    newDevice(name, options = {}) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16).toString("base64url");
      devices.set(name, { ecdh, auth, gone: options.gone ?? false });
      return { name, subscription: { endpoint: `${url}/push/${encodeURIComponent(name)}`, keys: { p256dh: ecdh.getPublicKey("base64url"), auth } } };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
