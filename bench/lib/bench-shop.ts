// A demo shop for a benchmark scenario: the simulator's first demo shop with `skus` SKUs
// whose shop, product and SKU ids start with `prefix`, so scenarios never share a stream.
import { demoShop, type DemoShop } from "../../src/simulator/demo-catalogue.ts";

export function benchShop(options: { prefix: string; shopCipher: string; skus: number; skusPerProduct: number; initialStock: number }): DemoShop {
  const template = demoShop(1);
  const base = template.skus[0]!;
  const { prefix, skusPerProduct } = options;
  return {
    ...template,
    shopId: `${prefix}00001`,
    shopCipher: options.shopCipher,
    skus: Array.from({ length: options.skus }, (_, index) => ({
      ...base,
      skuId: `${prefix}6${String(index).padStart(6, "0")}`,
      productId: `${prefix}5${String(Math.floor(index / skusPerProduct)).padStart(6, "0")}`,
      productName: `Bench product ${Math.floor(index / skusPerProduct)}`,
      skuName: `Variant ${index % skusPerProduct}`,
      sellerSku: `BENCH-${index}`,
      initialStock: options.initialStock,
    })),
  };
}
