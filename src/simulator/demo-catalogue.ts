// The demo creators' shops and what they sell. Ids are fixed per creator (not per seed) so
// stock accumulates across runs; creator 1 is the shop of the shared fixtures. Sellers who
// connect through the simulated consent page get shops of their own (newSellerShop), with
// ids apart from the demo ones.

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
  /** As GET /authorization/202309/shops lists the shop. */
  shopName: string;
  region: string;
  shopCode: string;
  sellerType: "LOCAL" | "CROSS_BORDER";
  currency: string;
  warehouseId: string;
  skus: DemoSku[];
}

/** Every simulated shop, the demo creators' and connected sellers' alike, is a local US seller pricing in dollars. */
const usLocalSeller = { region: "US", sellerType: "LOCAL", currency: "USD" } as const;

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

/** The catalogue of one shop: the same products everywhere, ids under the shop's own prefix, prices and stock varying by `variety`. */
function catalogue(variety: number, padded: string, idPrefix: string, sellerSkuPrefix: string, fixtureIds: boolean): DemoSku[] {
  // Prices differ per creator (a few percent either way), as each sets their own.
  const priceFactor = 1 + ((variety * 37) % 21 - 10) / 100;
  const skus: DemoSku[] = [];
  productTemplates.forEach((template, productIndex) => {
    const productId = fixtureIds && productIndex === 0 ? fixtureSku.productId : `${idPrefix}${padded}${String(productIndex).padStart(2, "0")}0000`;
    template.variants.forEach((variant, variantIndex) => {
      const skuId = fixtureIds && productIndex === 0 ? fixtureSku.skuId : `${idPrefix}${padded}${String(productIndex).padStart(2, "0")}${String(variantIndex + 1).padStart(2, "0")}00`;
      skus.push({
        skuId,
        productId,
        productName: template.name,
        skuName: variant.name,
        sellerSku: `${sellerSkuPrefix}${padded}-P${productIndex + 1}-V${variantIndex + 1}`,
        priceMinor: Math.round((variant.basePriceMinor * priceFactor) / 10) * 10 - 1,
        initialStock: 14 + ((variety * 13 + productIndex * 29 + variantIndex * 7) % 40),
        lowStockThreshold: 10,
      });
    });
  });
  return skus;
}

export function demoShop(creatorIndex: number): DemoShop {
  if (!Number.isInteger(creatorIndex) || creatorIndex < 1 || creatorIndex > maxDemoCreators) {
    throw new RangeError(`creator index must be 1-${maxDemoCreators}`);
  }
  const padded = String(creatorIndex).padStart(3, "0");
  const creatorName = creatorNames[(creatorIndex - 1) % creatorNames.length] ?? `Creator ${creatorIndex}`;
  return {
    creatorIndex,
    creatorName,
    shopId: creatorIndex === 1 ? fixtureShopId : `7494726673780${padded}900`,
    shopCipher: `ROW_sim_${padded}`,
    shopName: `${creatorName} Shop`,
    shopCode: `USLCD${padded}SM`,
    ...usLocalSeller,
    warehouseId: `7068517275539719${padded}`,
    skus: catalogue(creatorIndex, padded, "17295827", "C", creatorIndex === 1),
  };
}

const newSellerNames = ["Nova Glow", "Pip & Pearl", "Juniper Finds", "Sol Studio", "Marlow Makes", "Indigo Edit", "Rue Beauty", "Atlas Gear"];

export const maxNewSellers = 999;

/** The shop of the n-th seller who connects through the consent page (1-based). */
export function newSellerShop(sellerIndex: number): DemoShop {
  if (!Number.isInteger(sellerIndex) || sellerIndex < 1 || sellerIndex > maxNewSellers) throw new RangeError(`seller index must be 1-${maxNewSellers}`);
  const padded = String(sellerIndex).padStart(3, "0");
  const baseName = newSellerNames[(sellerIndex - 1) % newSellerNames.length] ?? "New Seller";
  const round = Math.floor((sellerIndex - 1) / newSellerNames.length);
  const creatorName = round === 0 ? baseName : `${baseName} ${round + 1}`;
  return {
    creatorIndex: maxDemoCreators + sellerIndex,
    creatorName,
    shopId: `7494726673781${padded}700`,
    shopCipher: `ROW_simnew_${padded}`,
    shopName: `${creatorName} Store`,
    shopCode: `USLCN${padded}SM`,
    ...usLocalSeller,
    warehouseId: `7068517275539720${padded}`,
    skus: catalogue(sellerIndex + 7, padded, "17295828", "N", false),
  };
}

export function demoShops(count: number): DemoShop[] {
  return Array.from({ length: count }, (_, index) => demoShop(index + 1));
}
