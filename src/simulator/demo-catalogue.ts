// The demo creators' shops and what they sell. Ids are fixed per creator (not per seed) so
// stock accumulates across runs; creator 1 is the shop of the shared fixtures.

export interface DemoSku {
  skuId: string;
  productId: string;
  productName: string;
  skuName: string;
  sellerSku: string;
  /** Minor units (cents). */
  priceMinor: number;
  initialStock: number;
  lowStockThreshold: number;
}

export interface DemoShop {
  creatorIndex: number;
  creatorName: string;
  shopId: string;
  shopCipher: string;
  currency: string;
  warehouseId: string;
  skus: DemoSku[];
}

interface ProductTemplate {
  name: string;
  variants: { name: string; basePriceMinor: number }[];
}

const productTemplates: ProductTemplate[] = [
  { name: "Glow Drops Vitamin C Serum 30ml", variants: [{ name: "Default", basePriceMinor: 2499 }] },
  { name: "Satin Scrunchie Set", variants: [{ name: "Blush", basePriceMinor: 1299 }, { name: "Midnight", basePriceMinor: 1299 }] },
  { name: "10in LED Ring Light with Tripod", variants: [{ name: "Black", basePriceMinor: 3999 }] },
  { name: "Velvet Matte Lip Kit", variants: [{ name: "Rosewood", basePriceMinor: 1899 }, { name: "Cherry", basePriceMinor: 1899 }] },
  { name: "Magnetic Phone Grip", variants: [{ name: "Pearl", basePriceMinor: 999 }] },
];

const creatorNames = ["Maya Beauty", "Leo Tech Finds", "Ava Home Edit", "Noah Fit Club", "Zoe Style Lab", "Kai Kitchen"];

/** The fixtures' shop and SKU, so fixture-driven tests and simulated traffic meet in one shop. */
const fixtureShopId = "7494726673780148744";
const fixtureSku = { productId: "1729582718312380123", skuId: "1729582718312445659" };

export const maxDemoCreators = 50;

export function demoShop(creatorIndex: number): DemoShop {
  if (!Number.isInteger(creatorIndex) || creatorIndex < 1 || creatorIndex > maxDemoCreators) {
    throw new RangeError(`creator index must be 1-${maxDemoCreators}`);
  }
  const padded = String(creatorIndex).padStart(3, "0");
  const shopId = creatorIndex === 1 ? fixtureShopId : `7494726673780${padded}900`;
  // Prices differ per creator (a few percent either way), as each sets their own.
  const priceFactor = 1 + ((creatorIndex * 37) % 21 - 10) / 100;
  const skus: DemoSku[] = [];
  productTemplates.forEach((template, productIndex) => {
    const productId = creatorIndex === 1 && productIndex === 0 ? fixtureSku.productId : `17295827${padded}${String(productIndex).padStart(2, "0")}0000`;
    template.variants.forEach((variant, variantIndex) => {
      const skuId = creatorIndex === 1 && productIndex === 0 ? fixtureSku.skuId : `17295827${padded}${String(productIndex).padStart(2, "0")}${String(variantIndex + 1).padStart(2, "0")}00`;
      skus.push({
        skuId,
        productId,
        productName: template.name,
        skuName: variant.name,
        sellerSku: `C${padded}-P${productIndex + 1}-V${variantIndex + 1}`,
        priceMinor: Math.round((variant.basePriceMinor * priceFactor) / 10) * 10 - 1,
        initialStock: 14 + ((creatorIndex * 13 + productIndex * 29 + variantIndex * 7) % 40),
        lowStockThreshold: 10,
      });
    });
  });
  return {
    creatorIndex,
    creatorName: creatorNames[(creatorIndex - 1) % creatorNames.length] ?? `Creator ${creatorIndex}`,
    shopId,
    shopCipher: `ROW_sim_${padded}`,
    currency: "USD",
    warehouseId: `7068517275539719${padded}`,
    skus,
  };
}

export function demoShops(count: number): DemoShop[] {
  return Array.from({ length: count }, (_, index) => demoShop(index + 1));
}
