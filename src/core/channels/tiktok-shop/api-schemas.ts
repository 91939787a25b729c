// The `data` of TikTok Shop API answers (version 202309), as zod schemas: what the client
// checks before anyone trusts a field. Loose objects, since TikTok adds fields freely.
import { z } from "zod";

/** Money as TikTok sends it: a decimal string such as "12.99". */
const moneyString = z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal amount");

export const orderLineItemSchema = z.looseObject({
  id: z.string(),
  sku_id: z.string(),
  product_id: z.string(),
  product_name: z.string().optional(),
  sku_name: z.string().optional(),
  seller_sku: z.string().optional(),
  sale_price: moneyString,
  original_price: moneyString.optional(),
  currency: z.string(),
  display_status: z.string().optional(),
  package_id: z.string().optional(),
});

export const orderDetailSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  create_time: z.number().int(),
  update_time: z.number().int(),
  paid_time: z.number().int().optional(),
  is_on_hold_order: z.boolean().optional(),
  buyer_user_id: z.string().optional(),
  payment: z.looseObject({
    currency: z.string(),
    sub_total: moneyString,
    shipping_fee: moneyString,
    total_amount: moneyString,
    tax: moneyString.optional(),
    seller_discount: moneyString.optional(),
    platform_discount: moneyString.optional(),
  }),
  // In API version 202309 every line item is one unit: two of a SKU are two line items.
  line_items: z.array(orderLineItemSchema),
  packages: z.array(z.looseObject({ id: z.string() })).optional(),
  tracking_number: z.string().optional(),
  shipping_provider: z.string().optional(),
});
export type TikTokOrderDetail = z.infer<typeof orderDetailSchema>;

export const orderDetailDataSchema = z.looseObject({ orders: z.array(orderDetailSchema) });

export const inventorySkuSchema = z.looseObject({
  id: z.string(),
  seller_sku: z.string().optional(),
  total_available_quantity: z.number().int(),
  total_committed_quantity: z.number().int().optional(),
  warehouse_inventory: z
    .array(z.looseObject({ warehouse_id: z.string(), available_quantity: z.number().int(), committed_quantity: z.number().int().optional() }))
    .optional(),
});

export const inventorySearchDataSchema = z.looseObject({
  inventory: z.array(z.looseObject({ product_id: z.string(), skus: z.array(inventorySkuSchema) })).default([]),
});
export type TikTokInventorySearchResult = z.infer<typeof inventorySearchDataSchema>;

export const inventoryUpdateDataSchema = z
  .looseObject({
    failed_skus: z.array(z.looseObject({ id: z.string() })).optional(),
  })
  .nullable()
  .optional()
  .transform((data) => data ?? {});

export const shipPackageDataSchema = z
  .looseObject({})
  .nullable()
  .optional()
  .transform((data): Record<string, unknown> => data ?? {});

export interface TikTokAuthorizedShop {
  id: string;
  name: string;
  region: string;
  code: string;
  /** Every shop-scoped call needs it as `shop_cipher`. */
  cipher: string;
  sellerType?: string;
}

export const authorizedShopsDataSchema = z
  .looseObject({
    shops: z
      .array(z.looseObject({ id: z.string(), name: z.string(), region: z.string(), code: z.string(), cipher: z.string(), seller_type: z.string().optional() }))
      .default([]),
  })
  .transform(({ shops }) => ({
    shops: shops.map(({ id, name, region, code, cipher, seller_type }): TikTokAuthorizedShop => ({ id, name, region, code, cipher, ...(seller_type === undefined ? {} : { sellerType: seller_type }) })),
  }));

/** TikTok ends a listing with an empty (or absent) `next_page_token`. */
const nextPageToken = z
  .string()
  .optional()
  .transform((token) => (token === undefined || token === "" ? null : token));

export const orderSearchDataSchema = z
  .looseObject({
    orders: z.array(orderDetailSchema).default([]),
    next_page_token: nextPageToken,
    total_count: z.number().int().nonnegative().default(0),
  })
  .transform(({ orders, next_page_token, total_count }) => ({ orders, nextPageToken: next_page_token, totalCount: total_count }));

export interface TikTokProductSku {
  id: string;
  sellerSku?: string;
  price?: { amount: string; currency: string };
  inventory: { quantity: number; warehouseId?: string }[];
}

export interface TikTokProduct {
  id: string;
  title: string;
  status?: string;
  skus: TikTokProductSku[];
}

const productSkuSchema = z
  .looseObject({
    id: z.string(),
    seller_sku: z.string().optional(),
    // 202309 gives the price before tax (tax_exclusive_price) and, in some regions, the sale price.
    price: z.looseObject({ currency: z.string(), tax_exclusive_price: moneyString.optional(), sale_price: moneyString.optional() }).optional(),
    inventory: z.array(z.looseObject({ quantity: z.number().int(), warehouse_id: z.string().optional() })).default([]),
  })
  .transform(({ id, seller_sku, price, inventory }): TikTokProductSku => {
    const amount = price?.sale_price ?? price?.tax_exclusive_price;
    return {
      id,
      ...(seller_sku === undefined ? {} : { sellerSku: seller_sku }),
      ...(price === undefined || amount === undefined ? {} : { price: { amount, currency: price.currency } }),
      inventory: inventory.map(({ quantity, warehouse_id }) => ({ quantity, ...(warehouse_id === undefined ? {} : { warehouseId: warehouse_id }) })),
    };
  });

export const productSearchDataSchema = z
  .looseObject({
    products: z
      .array(
        z
          .looseObject({ id: z.string(), title: z.string(), status: z.string().optional(), skus: z.array(productSkuSchema).default([]) })
          .transform(({ id, title, status, skus }): TikTokProduct => ({ id, title, ...(status === undefined ? {} : { status }), skus })),
      )
      .default([]),
    next_page_token: nextPageToken,
    total_count: z.number().int().nonnegative().default(0),
  })
  .transform(({ products, next_page_token, total_count }) => ({ products, nextPageToken: next_page_token, totalCount: total_count }));
