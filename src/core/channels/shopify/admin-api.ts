// Shopify's Admin GraphQL API for one store, through Shopify's own client
// (@shopify/admin-api-client: fetch-based, so it runs in the Edge Function and in Node).
// Stock is written with inventorySetQuantities in its compare-and-set form: as of API
// version 2026-04 every quantity carries `changeFromQuantity` (what we believe Shopify holds)
// and the mutation an `@idempotent` key; a count that moved on Shopify's side since comes
// back as CHANGE_FROM_QUANTITY_STALE, which is a conflict to record, never an overwrite.
import { createAdminApiClient, type AdminApiClient } from "@shopify/admin-api-client";

export const SHOPIFY_ADMIN_API_VERSION = "2026-10";
const CALL_TIMEOUT_MS = 10_000;

export type ShopifyApiErrorKind = "unauthorized" | "throttled" | "server" | "network" | "invalid_request" | "invalid_response";

export class ShopifyApiError extends Error {
  constructor(
    readonly kind: ShopifyApiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ShopifyApiError";
  }
  /** Worth trying again later: Shopify's side or the way there, not our request. */
  get retryable(): boolean {
    return this.kind === "throttled" || this.kind === "server" || this.kind === "network";
  }
}

export interface ShopifyAdminApiConfig {
  shopDomain: string;
  accessToken: string;
  /** Where the store's API is when it is not https://<shopDomain> (the local simulator). */
  apiBaseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface ShopifyInventoryQuantity {
  inventoryItemId: string;
  locationId: string;
  available: number;
}

export type SetAvailableOutcome =
  | { outcome: "written"; adjustmentGroupId: string | null }
  | { outcome: "stale" };

export interface SetAvailableInput {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  changeFrom: number | null;
  idempotencyKey: string;
  reference?: string;
}

export type CancelOrderOutcome = { outcome: "cancelled"; jobId: string | null } | { outcome: "already_cancelled" };

export interface ShopifyAdminApi {
  /** The `available` quantity of each inventory item at the location (items Shopify does not know are left out). */
  readAvailable(inventoryItemIds: readonly string[], locationId: string): Promise<ShopifyInventoryQuantity[]>;
  /** The store's first location (where a newly connected store's pool count lives). */
  primaryLocationId(): Promise<string | null>;
  /** Every variant with a SKU, and its inventory item (paged through). */
  inventoryItemsBySku(): Promise<{ sku: string; inventoryItemId: string }[]>;
  /** Sets `available` to `quantity` only if Shopify still holds `changeFrom` (null: no compare). */
  setAvailable(input: SetAvailableInput): Promise<SetAvailableOutcome>;
  /**
   * Cancels an order the pool could not cover (orderCancel, reason INVENTORY, refunded to the
   * buyer's payment methods, not restocked: the pool's count, not the order's units, is what
   * the store shows). An order already cancelled is cancelled: a retry after a lost answer is done.
   */
  cancelOrder(input: { orderId: string; staffNote: string }): Promise<CancelOrderOutcome>;
}

const READ_AVAILABLE = `query ReadAvailable($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } } }
  }
}`;

const PRIMARY_LOCATION = `query PrimaryLocation { locations(first: 1) { nodes { id } } }`;

const VARIANTS_WITH_SKU = `query VariantsWithSku($after: String) {
  productVariants(first: 250, after: $after) { nodes { sku inventoryItem { id } } pageInfo { hasNextPage endCursor } }
}`;
const MAX_VARIANT_PAGES = 200;

const SET_AVAILABLE = `mutation SetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}`;

const CANCEL_ORDER = `mutation CancelOrder($orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!, $refundMethod: OrderCancelRefundMethodInput!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, restock: $restock, refundMethod: $refundMethod, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { code field message }
  }
}`;

const ORDER_CANCELLED = `query OrderCancelled($id: ID!) { order(id: $id) { id cancelledAt } }`;

export const orderGid = (id: string) => `gid://shopify/Order/${id}`;

/** A refusal Shopify states in the data of an answered mutation (the request itself went through). */
export type ShopifyUserError = { code: string | null; field: string[] | null; message: string };

// The answers' shapes, as the operations above ask for them.
interface CancelOrderData {
  orderCancel: { job: { id: string; done: boolean } | null; orderCancelUserErrors: ShopifyUserError[] };
}
export interface ReadAvailableData {
  nodes: ({ id?: string; inventoryLevel?: { quantities: { name: string; quantity: number }[] } | null } | null)[];
}
export interface VariantsData {
  productVariants: { nodes: { sku: string | null; inventoryItem: { id: string } | null }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
export interface SetAvailableData {
  inventorySetQuantities: { inventoryAdjustmentGroup: { id: string } | null; userErrors: ShopifyUserError[] };
}

export function createShopifyAdminApi(config: ShopifyAdminApiConfig): ShopifyAdminApi {
  const client = shopifyAdminClient(config);
  return {
    readAvailable: (inventoryItemIds, locationId) => readAvailable(client, inventoryItemIds, locationId),
    primaryLocationId: () => readPrimaryLocationId(client),
    inventoryItemsBySku: () => readInventoryItemsBySku(client),
    setAvailable: (input) => setAvailable(client, input),
    cancelOrder: (input) => cancelOrder(client, input),
  };
}

function shopifyAdminClient(config: ShopifyAdminApiConfig): AdminApiClient {
  const fetchImpl = config.fetch ?? fetch;
  const timeoutMs = config.timeoutMs ?? CALL_TIMEOUT_MS;
  const apiBase = config.apiBaseUrl?.replace(/\/+$/, "");
  return createAdminApiClient({
    storeDomain: config.shopDomain,
    apiVersion: SHOPIFY_ADMIN_API_VERSION,
    accessToken: config.accessToken,
    // The client always builds https://<store>/admin/api/...; a local simulator lives elsewhere.
    customFetchApi: (url, init) => {
      const target = apiBase ? `${apiBase}${new URL(url).pathname}` : url;
      return fetchImpl(target, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) });
    },
  });
}

/** One operation's data, or a ShopifyApiError saying whether a retry may mend it. */
async function requestData<T>(client: AdminApiClient, label: string, operation: string, variables: Record<string, unknown>): Promise<T> {
  let answer;
  try {
    answer = await client.request<T>(operation, { variables });
  } catch (error) {
    throw new ShopifyApiError("network", `${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (answer.errors) throw shopifyApiErrorOf(label, answer.errors.networkStatusCode, answer.errors.message, answer.errors.graphQLErrors);
  if (answer.data === undefined) throw new ShopifyApiError("invalid_response", `${label}: no data in the answer`);
  return answer.data;
}

async function readAvailable(client: AdminApiClient, inventoryItemIds: readonly string[], locationId: string): Promise<ShopifyInventoryQuantity[]> {
  if (inventoryItemIds.length === 0) return [];
  const data = await requestData<ReadAvailableData>(client, "ReadAvailable", READ_AVAILABLE, { ids: inventoryItemIds, locationId });
  return availableQuantities(data, locationId);
}

async function readPrimaryLocationId(client: AdminApiClient): Promise<string | null> {
  const data = await requestData<{ locations: { nodes: { id: string }[] } }>(client, "PrimaryLocation", PRIMARY_LOCATION, {});
  return data.locations.nodes[0]?.id ?? null;
}

async function readInventoryItemsBySku(client: AdminApiClient): Promise<{ sku: string; inventoryItemId: string }[]> {
  const items: { sku: string; inventoryItemId: string }[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_VARIANT_PAGES; page += 1) {
    const data: VariantsData = await requestData<VariantsData>(client, "VariantsWithSku", VARIANTS_WITH_SKU, { after });
    items.push(...inventoryItemsWithSku(data));
    if (!data.productVariants.pageInfo.hasNextPage) return items;
    after = data.productVariants.pageInfo.endCursor;
  }
  return items;
}

async function setAvailable(client: AdminApiClient, input: SetAvailableInput): Promise<SetAvailableOutcome> {
  const data = await requestData<SetAvailableData>(client, "SetAvailable", SET_AVAILABLE, {
    idempotencyKey: input.idempotencyKey,
    input: {
      name: "available",
      reason: "correction",
      ...(input.reference ? { referenceDocumentUri: input.reference } : {}),
      quantities: [{ inventoryItemId: input.inventoryItemId, locationId: input.locationId, quantity: input.quantity, changeFromQuantity: input.changeFrom }],
    },
  });
  return setAvailableOutcome(data.inventorySetQuantities);
}

async function cancelOrder(client: AdminApiClient, input: { orderId: string; staffNote: string }): Promise<CancelOrderOutcome> {
  const data = await requestData<CancelOrderData>(client, "CancelOrder", CANCEL_ORDER, {
    orderId: orderGid(input.orderId),
    reason: "INVENTORY",
    restock: false,
    refundMethod: { originalPaymentMethodsRefund: true },
    notifyCustomer: true,
    staffNote: input.staffNote.slice(0, 255),
  });
  const errors = data.orderCancel.orderCancelUserErrors;
  if (errors.length === 0) return { outcome: "cancelled", jobId: data.orderCancel.job?.id ?? null };
  // Refused as INVALID: cancelled already (by us before a lost answer, or on Shopify), or not cancellable; the order says which.
  if (errors.some((error) => error.code === "INVALID")) {
    const order = await requestData<{ order: { cancelledAt: string | null } | null }>(client, "OrderCancelled", ORDER_CANCELLED, { id: orderGid(input.orderId) });
    if (order.order?.cancelledAt) return { outcome: "already_cancelled" };
  }
  throw cancelRefusalError(errors);
}

// How Shopify's answers map to ours: plain functions of the answer, tested without a store.

/** The `available` quantity of each item Shopify knows at the location; an unknown id answers a null node. */
export function availableQuantities(data: ReadAvailableData, locationId: string): ShopifyInventoryQuantity[] {
  return data.nodes.flatMap((node) => {
    const available = node?.inventoryLevel?.quantities.find((quantity) => quantity.name === "available");
    return node?.id && available ? [{ inventoryItemId: node.id, locationId, available: available.quantity }] : [];
  });
}

/** A page's variants that carry a SKU and an inventory item (the rest cannot be linked to the pool). */
export function inventoryItemsWithSku(data: VariantsData): { sku: string; inventoryItemId: string }[] {
  return data.productVariants.nodes.flatMap((variant) => (variant.sku && variant.inventoryItem?.id ? [{ sku: variant.sku, inventoryItemId: variant.inventoryItem.id }] : []));
}

/** A stale compare is an answer (a conflict to record), a write still in flight a retry later, any other refusal ours to mend. */
export function setAvailableOutcome(answer: SetAvailableData["inventorySetQuantities"]): SetAvailableOutcome {
  const { userErrors, inventoryAdjustmentGroup } = answer;
  if (userErrors.some((error) => error.code === "CHANGE_FROM_QUANTITY_STALE" || error.code === "COMPARE_QUANTITY_STALE")) return { outcome: "stale" };
  if (userErrors.some((error) => error.code === "IDEMPOTENCY_CONCURRENT_REQUEST")) throw new ShopifyApiError("throttled", "SetAvailable: the same write is still in progress on Shopify");
  if (userErrors.length > 0) throw new ShopifyApiError("invalid_request", userErrorsText("SetAvailable", userErrors));
  return { outcome: "written", adjustmentGroupId: inventoryAdjustmentGroup?.id ?? null };
}

/** A cancellation Shopify refused (and the order is not cancelled): its internal error is worth a retry, anything else is not. */
export function cancelRefusalError(errors: readonly ShopifyUserError[]): ShopifyApiError {
  const kind = errors.some((error) => error.code === "INTERNAL_ERROR") ? "server" : "invalid_request";
  return new ShopifyApiError(kind, userErrorsText("CancelOrder", errors));
}

function userErrorsText(label: string, errors: readonly ShopifyUserError[]): string {
  return `${label}: ${errors.map((error) => `${error.code ?? "ERROR"}: ${error.message}`).join("; ")}`.slice(0, 500);
}

/** A failed request as an error of its kind; the text is Shopify's, never the request's (it would hold the token). */
export function shopifyApiErrorOf(label: string, status: number | undefined, message: string | undefined, graphQLErrors: { message: string; extensions?: Record<string, unknown> }[] | undefined): ShopifyApiError {
  const http = status !== undefined && status !== 200 ? ` (HTTP ${status})` : "";
  const text = `${label}${http}: ${message ?? graphQLErrors?.map((error) => error.message).join("; ") ?? "failed"}`.slice(0, 500);
  if (graphQLErrors?.some((error) => error.extensions?.code === "THROTTLED")) return new ShopifyApiError("throttled", text);
  if (status === 401 || status === 403) return new ShopifyApiError("unauthorized", text);
  if (status === 429) return new ShopifyApiError("throttled", text);
  if (status !== undefined && status >= 500) return new ShopifyApiError("server", text);
  if (status === undefined && !graphQLErrors?.length) return new ShopifyApiError("network", text);
  return new ShopifyApiError("invalid_request", text);
}
