// Why an order's stock could not be reserved, in the creator's words. TikTok only accepts
// an order it has stock for, so a shortfall here means the two counts drifted apart: the
// creator has something to check, and the message says what.

export interface StockShortfall {
  skuId: string;
  /** The product's name as TikTok gave it with the order, when it did. */
  productName?: string;
  needed: number;
  available: number;
}

const units = (count: number) => (count === 1 ? "1 unit" : `${count} units`);

export function notEnoughStockReason({ skuId, productName, needed, available }: StockShortfall): string {
  const product = productName?.trim() ? ` (${productName.trim()})` : "";
  return (
    `Not enough stock for SKU ${skuId}${product}: the order needs ${units(needed)}, ${available} ${available === 1 ? "is" : "are"} available here. ` +
    `TikTok accepted the order, so TikTok's count was higher than ours: check this SKU's stock count.`
  );
}
