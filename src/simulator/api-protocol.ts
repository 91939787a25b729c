// How the simulated TikTok Shop answers: its refusals (HTTP status, TikTok's code, message),
// reading a request body, and parsing a JSON body against a schema.
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { BodyTooLargeError, readBoundedBody } from "./node-http-body.ts";

// 106001 (bad sign) is what TikTok Shop answers for a forged request; 105001 is its code
// for a bad access token and 105002 for an expired one. The other codes are the simulator's own.
export const rejection = {
  badSign: { http: 401, code: 106001, message: "Invalid credentials. The 'sign' query parameter is invalid." },
  badAppKey: { http: 401, code: 106001, message: "Invalid credentials. The 'app_key' query parameter is invalid." },
  staleTimestamp: { http: 401, code: 106001, message: "Invalid credentials. The 'timestamp' query parameter is missing or more than 5 minutes from server time." },
  badAccessToken: { http: 401, code: 105001, message: "Invalid credentials. The access token is missing or invalid." },
  expiredAccessToken: { http: 401, code: 105002, message: "access token is expired, please refresh it" },
  unknownShop: { http: 400, code: 36009001, message: "Invalid shop_cipher." },
  shopNotAuthorized: { http: 403, code: 36009006, message: "The seller of this access token has not authorized this shop." },
  badRequest: { http: 400, code: 36009002, message: "Invalid request parameters." },
  notFound: { http: 404, code: 36009003, message: "Resource not found." },
  rateLimited: { http: 429, code: 36009004, message: "Too many requests; slow down." },
  tooLarge: { http: 413, code: 36009005, message: "Request body too large." },
} as const;
export type Rejection = { readonly http: number; readonly code: number; readonly message: string };

export class RequestRejected extends Error {
  constructor(
    readonly rejection: Rejection,
    readonly reason: string,
    detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? rejection.message);
  }
}

const maxBodyBytes = 1 << 20;

export async function readBody(request: IncomingMessage): Promise<string> {
  try {
    return (await readBoundedBody(request, maxBodyBytes)).toString("utf8");
  } catch (error) {
    throw error instanceof BodyTooLargeError ? new RequestRejected(rejection.tooLarge, "too_large") : error;
  }
}

export function parseJson<T>(body: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RequestRejected(rejection.badRequest, "bad_request", "Request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RequestRejected(rejection.badRequest, "bad_request", `Invalid request body: ${z.prettifyError(parsed.error).replace(/\s+/g, " ").slice(0, 300)}`);
  return parsed.data;
}
