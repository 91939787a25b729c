// Small zod building blocks shared by the event schemas of every context.
import { z } from "zod";

export const tiktokId = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, "must be a TikTok id (1-64 letters, digits, _ or -)");
export const skuId = tiktokId;
/**
 * Bounds that keep every read model's sums inside its column types (stock in `integer`, money in
 * `bigint`), so an absurd value is refused with its field named when it arrives, not by Postgres
 * halfway through a projection. Ten million units of one SKU; ten billion in a currency's major unit.
 */
export const MAX_QUANTITY = 10_000_000;
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;
export const quantity = z.number().int().nonnegative().max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY} units`);
/** Money in minor units (cents), so sums never drift. */
export const amountMinor = z.number().int().nonnegative().max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`);
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
/** TikTok's `update_time`: seconds since the epoch. */
export const unixSeconds = z.number().int().nonnegative().max(4_102_444_800, "must be a time before 2100");
export const uuid = z.uuid();
