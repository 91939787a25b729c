// Events are typed from the catalogue. The @ts-expect-error lines are the test: `npm run
// typecheck` fails if any of them compiles (a misspelt type or field slipping through),
// and the run-time expectations show what the store does with the same mistakes from an
// untyped caller.
import { describe, expect, it } from "vitest";
import { orderIdOf, parseEventData, skuIdOf, type DomainEvent } from "../../../src/core/event-catalogue.ts";
import { validateEvent } from "../../../src/core/event-store/index.ts";

function carrierOf(event: DomainEvent): string | undefined {
  switch (event.type) {
    case "order.shipped":
      return event.data.carrier;
    case "order.label_created":
      return event.data.carrier;
    // @ts-expect-error a misspelt type is no case of the union (at run time it would match a misspelt event)
    case "order.shiped":
      return "misspelt";
    default:
      return undefined;
  }
}

describe("events typed from the catalogue", () => {
  it("narrows data by type, and refuses a misspelt type or field at compile time", () => {
    const events: DomainEvent[] = [
      { type: "order.shipped", data: { order_id: "o-1", carrier: "UPS" } },
      // @ts-expect-error "order.shiped" is no catalogued type
      { type: "order.shiped", data: { order_id: "o-1" } },
      // @ts-expect-error "carier" is no field of order.shipped
      { type: "order.shipped", data: { order_id: "o-1", carier: "UPS" } },
      // @ts-expect-error a required field (total_minor) is missing
      { type: "order.validated", data: { order_id: "o-1", items: [], subtotal_minor: 0, shipping_minor: 0, currency: "USD" } },
    ];
    expect(events.map(carrierOf)).toEqual(["UPS", "misspelt", undefined, undefined]);

    const [shipped] = events;
    if (shipped?.type === "order.shipped") {
      // @ts-expect-error order.shipped carries no total: another type's field does not compile
      expect(shipped.data.total_minor).toBeUndefined();
    }
  });

  it("reads the order and SKU an event names, whatever its type", () => {
    const reserved: DomainEvent = { type: "inventory.reserved", data: { sku_id: "sku-1", order_id: "o-7", quantity: 2 } };
    const health: DomainEvent = { type: "system.recovery_completed", data: { component: "webhooks" } };
    expect([orderIdOf(reserved), skuIdOf(reserved)]).toEqual(["o-7", "sku-1"]);
    expect([orderIdOf(health), skuIdOf(health)]).toEqual([undefined, undefined]);
  });

  it("refuses the same mistakes at run time, from a caller the compiler cannot see", () => {
    expect(() => validateEvent({ type: "order.shiped", data: { order_id: "o-1" } }, { creatorId: "00000000-0000-4000-8000-000000000001", metadata: { source: "automated_system" } })).toThrow('Unknown event type "order.shiped"');
    expect(() => validateEvent({ type: "order.shipped", data: { order_id: "o-1", carier: "UPS" } }, { creatorId: "00000000-0000-4000-8000-000000000001", metadata: { source: "automated_system" } })).toThrow(/carier/);
    expect(() => parseEventData("order.shipped", { order_id: "o-1", carier: "UPS" })).toThrow(/carier/);
    expect(parseEventData("order.shipped", { order_id: "o-1", carrier: "UPS" })).toEqual({ order_id: "o-1", carrier: "UPS" });
  });
});
