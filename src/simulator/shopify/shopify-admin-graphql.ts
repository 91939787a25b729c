// The Admin GraphQL operations the app sends, answered from the simulated store's state:
// reading `available`, inventorySetQuantities with changeFromQuantity and @idempotent (as
// 2026-04 and later define them), orderCancel (as 2026-10 defines it), the primary location
// and the variants with a SKU. Recognised by operation name; this is not a GraphQL server.
import type { ShopifyStoreState } from "./shopify-store.ts";

const ORDER_CANCEL_REASONS = ["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"];

type Variables = Record<string, unknown>;

export function answerAdminGraphql(state: ShopifyStoreState, operation: string, variables: Variables): unknown {
  const name = /(?:query|mutation)\s+(\w+)/.exec(operation)?.[1];
  if (name === "ReadAvailable") return readAvailable(state, variables);
  if (name === "SetAvailable") return setAvailable(state, variables);
  if (name === "CancelOrder") return cancelOrder(state, variables);
  if (name === "OrderCancelled") {
    const order = state.orders.get(String(variables.id ?? "").replace(/^gid:\/\/shopify\/Order\//, ""));
    return { data: { order: order ? { id: `gid://shopify/Order/${order.id}`, cancelledAt: order.cancelledAt } : null } };
  }
  if (name === "PrimaryLocation") return { data: { locations: { nodes: [{ id: state.locationGid }] } } };
  if (name === "VariantsWithSku") return variantsWithSku(state, variables);
  return { errors: [{ message: `the simulator does not know operation ${name ?? "(anonymous)"}` }] };
}

function readAvailable(state: ShopifyStoreState, variables: Variables): unknown {
  const ids = variables.ids as string[];
  return {
    data: {
      nodes: ids.map((id) => {
        const listing = state.byItemGid.get(id);
        return listing ? { id, inventoryLevel: { quantities: [{ name: "available", quantity: listing.available }] } } : null;
      }),
    },
  };
}

/** One page per call of two variants, so the app's paging is exercised. */
function variantsWithSku(state: ShopifyStoreState, variables: Variables): unknown {
  const all = [...state.listings.values()];
  const start = typeof variables.after === "string" ? Number(variables.after) : 0;
  const page = all.slice(start, start + 2);
  const hasNextPage = start + 2 < all.length;
  const nodes = page.map((listing) => ({ sku: listing.sku, inventoryItem: { id: `gid://shopify/InventoryItem/${listing.inventoryItemId}` } }));
  return { data: { productVariants: { nodes, pageInfo: { hasNextPage, endCursor: hasNextPage ? String(start + 2) : null } } } };
}

type SetQuantitiesInput = { name: string; quantities: { inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity?: number | null }[] };
type QuantityError = { code: string; message: string; field: string[] };

function setAvailable(state: ShopifyStoreState, variables: Variables): unknown {
  const key = variables.idempotencyKey;
  if (typeof key !== "string" || key === "") return { errors: [{ message: "inventorySetQuantities requires the @idempotent directive with a key", extensions: { code: "BAD_REQUEST" } }] };
  const input = variables.input as SetQuantitiesInput;
  const params = JSON.stringify(input);
  const earlier = state.idempotency.get(key);
  if (earlier) {
    if (earlier.params !== params) return userErrors([{ code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", message: "The same idempotency key cannot be used with different operation parameters." }]);
    return earlier.answer;
  }
  const errors = quantityErrors(state, input);
  if (errors.length > 0) {
    state.staleWrites += errors.filter((error) => error.code === "CHANGE_FROM_QUANTITY_STALE").length;
    return userErrors(errors);
  }
  for (const quantity of input.quantities) {
    const listing = state.byItemGid.get(quantity.inventoryItemId)!;
    state.writes.push({ sku: listing.sku, quantity: quantity.quantity, changeFrom: quantity.changeFromQuantity ?? null });
    listing.available = quantity.quantity;
    state.onWrite?.({ sku: listing.sku, quantity: quantity.quantity });
  }
  const answer = { data: { inventorySetQuantities: { inventoryAdjustmentGroup: { id: `gid://shopify/InventoryAdjustmentGroup/${crypto.randomUUID()}` }, userErrors: [] } } };
  state.idempotency.set(key, { params, answer });
  return answer;
}

/** Why each quantity of a write is refused: an unknown item or location, no changeFromQuantity, or a stale one. */
function quantityErrors(state: ShopifyStoreState, input: SetQuantitiesInput): QuantityError[] {
  const errors: QuantityError[] = [];
  for (const [index, quantity] of input.quantities.entries()) {
    const listing = state.byItemGid.get(quantity.inventoryItemId);
    if (!listing || quantity.locationId !== state.locationGid) errors.push({ code: "INVALID_INVENTORY_ITEM", message: "The specified inventory item could not be found.", field: ["input", "quantities", String(index)] });
    else if (!("changeFromQuantity" in quantity)) errors.push({ code: "COMPARE_QUANTITY_REQUIRED", message: "changeFromQuantity must be given (null to skip the check).", field: ["input", "quantities", String(index), "changeFromQuantity"] });
    else if (quantity.changeFromQuantity !== null && quantity.changeFromQuantity !== listing.available) {
      errors.push({ code: "CHANGE_FROM_QUANTITY_STALE", message: "The changeFromQuantity value does not match persisted value.", field: ["input", "quantities", String(index), "changeFromQuantity"] });
    }
  }
  return errors;
}

const userErrors = (errors: { code: string; message: string; field?: string[] }[]) => ({
  data: { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors: errors.map((error) => ({ field: error.field ?? null, ...error })) } },
});

/** orderCancel: cancelled at once here (Shopify runs a job); INVALID for an order already cancelled, as Shopify refuses it. */
function cancelOrder(state: ShopifyStoreState, variables: Variables): unknown {
  const errors = (code: string, message: string, field: string[]) => ({ data: { orderCancel: { job: null, orderCancelUserErrors: [{ code, message, field }], userErrors: [{ message, field }] } } });
  if (typeof variables.restock !== "boolean") return { errors: [{ message: "Variable $restock of type Boolean! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
  if (typeof variables.reason !== "string" || !ORDER_CANCEL_REASONS.includes(variables.reason)) return { errors: [{ message: "Variable $reason of type OrderCancelReason! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
  if (typeof variables.refundMethod !== "object" || variables.refundMethod === null) return { errors: [{ message: "Variable $refundMethod of type OrderCancelRefundMethodInput! was provided invalid value", extensions: { code: "INVALID_VARIABLE" } }] };
  const order = state.orders.get(String(variables.orderId ?? "").replace(/^gid:\/\/shopify\/Order\//, ""));
  if (!order) return errors("NOT_FOUND", "Order does not exist", ["orderId"]);
  if (order.cancelledAt) return errors("INVALID", "Cannot cancel an order that has already been cancelled", ["orderId"]);
  order.cancelledAt = new Date().toISOString();
  order.cancel = { reason: variables.reason, restock: variables.restock, notifyCustomer: variables.notifyCustomer === true, staffNote: typeof variables.staffNote === "string" ? variables.staffNote : null, refundMethod: variables.refundMethod };
  if (variables.restock) for (const line of order.lines) state.listingOf(line.sku).available += line.quantity;
  return { data: { orderCancel: { job: { id: `gid://shopify/Job/${crypto.randomUUID()}`, done: false }, orderCancelUserErrors: [], userErrors: [] } } };
}
