// Small zod building blocks shared by the event schemas of every context.
import { z } from "zod";

export const tiktokId = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, "must be a TikTok id (1-64 letters, digits, _ or -)");
export const skuId = tiktokId;
export const quantity = z.number().int().nonnegative();
/** Money in minor units (cents), so sums never drift. */
export const amountMinor = z.number().int().nonnegative();
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
/** TikTok's `update_time`: seconds since the epoch. */
export const unixSeconds = z.number().int().nonnegative();
export const uuid = z.uuid();
