import { QueryClient, type QueryKey } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import type { LiveTicketEvent, PresenceViewer } from "../../src/shared/live.js";
import { LIVE_HELD } from "../../src/web/live/api.js";
import { RecentKeys } from "../../src/web/live/live-connection.js";
import { createLiveInvalidation } from "../../src/web/live/live-invalidation.js";
import { presenceInWords } from "../../src/web/live/presence.js";
import { ticketChangesInWords } from "../../src/web/live/saved-while-editing.js";

const TICKET = "00000000-0000-4000-8000-000000000001";
const OTHER_TICKET = "00000000-0000-4000-8000-000000000002";
const CUSTOMER = "00000000-0000-4000-8000-0000000000c1";
const JANE = { id: "00000000-0000-4000-8000-0000000000a1", name: "Jane Tech" };

const ticketEvent = (overrides: Partial<LiveTicketEvent> = {}): LiveTicketEvent => ({
  key: `te:${Math.random()}`,
  ticketId: TICKET,
  ticketNumber: "T-000001",
  customerId: CUSTOMER,
  kind: "status_changed",
  actor: JANE,
  fields: ["status"],
  from: "open",
  to: "resolved",
  visitId: null,
  at: new Date().toISOString(),
  ...overrides,
});

/** A client holding the queries of a few screens, and the invalidations an event asks for. */
describe("live invalidation", () => {
  let client: QueryClient;
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    client.clear();
  });

  const setup = () => {
    client = new QueryClient();
    const invalidation = createLiveInvalidation(client);
    stop = invalidation.stop;
    return invalidation;
  };
  const seed = (queryKey: QueryKey, data: unknown, meta?: Record<string, unknown>) => {
    client.getQueryCache().build(client, { queryKey, meta });
    client.setQueryData(queryKey, data);
  };
  const invalidated = (queryKey: QueryKey) => client.getQueryState(queryKey)?.isInvalidated ?? false;
  const page = (ids: string[]) => ({ pages: [{ items: ids.map((id) => ({ id })) }], pageParams: [undefined] });

  it("a ticket's change refetches its page, its customer's list and the dashboard, never a held queue", () => {
    const invalidation = setup();
    seed(["tickets", "detail", TICKET], {});
    seed(["tickets", "timeline", TICKET], {});
    seed(["tickets", "detail", OTHER_TICKET], {});
    seed(["tickets", "list", { customerId: CUSTOMER }, 50], page([]));
    seed(["tickets", "list", { status: ["open"] }, 50], page([TICKET]), LIVE_HELD);
    seed(["tickets", "list", { incidentId: "x" }, 100], page([TICKET]));
    seed(["dashboard", "UTC"], {});
    seed(["visits", "my-day"], {});
    invalidation.handle("ticket", ticketEvent());
    expect(invalidated(["tickets", "detail", TICKET])).toBe(true);
    expect(invalidated(["tickets", "timeline", TICKET])).toBe(true);
    expect(invalidated(["tickets", "detail", OTHER_TICKET])).toBe(false);
    expect(invalidated(["tickets", "list", { customerId: CUSTOMER }, 50])).toBe(true);
    expect(invalidated(["tickets", "list", { incidentId: "x" }, 100])).toBe(true);
    expect(invalidated(["tickets", "list", { status: ["open"] }, 50])).toBe(false);
    expect(invalidated(["dashboard", "UTC"])).toBe(true);
    expect(invalidated(["visits", "my-day"])).toBe(false);

    invalidation.handle("ticket", ticketEvent({ kind: "visit_en_route", fields: [], from: null, to: null }));
    expect(invalidated(["visits", "my-day"])).toBe(true);
  });

  it("the dashboard refetches at most once in 5 s, the last event included", () => {
    const invalidation = setup();
    seed(["dashboard", "UTC"], {});
    invalidation.handle("ticket", ticketEvent());
    expect(invalidated(["dashboard", "UTC"])).toBe(true);
    seed(["dashboard", "UTC"], {});
    invalidation.handle("ticket", ticketEvent());
    expect(invalidated(["dashboard", "UTC"])).toBe(false);
  });

  it("an SMS hint refetches the log and what it names; a reconnect refetches all but held lists unless reset", () => {
    const invalidation = setup();
    seed(["sms", "list", {}, undefined], page([]));
    seed(["tickets", "timeline", TICKET], {});
    seed(["tickets", "timeline", OTHER_TICKET], {});
    seed(["incidents", "messages", "i1"], {});
    invalidation.handle("sms", { ticketIds: [TICKET], customerIds: [], incidentIds: ["i1"], truncated: false });
    expect(invalidated(["sms", "list", {}, undefined])).toBe(true);
    expect(invalidated(["tickets", "timeline", TICKET])).toBe(true);
    expect(invalidated(["tickets", "timeline", OTHER_TICKET])).toBe(false);
    expect(invalidated(["incidents", "messages", "i1"])).toBe(true);

    seed(["customers", "one", CUSTOMER], {});
    seed(["customers", "list", {}, undefined, 25], { items: [] }, LIVE_HELD);
    invalidation.refreshAll({ includeHeld: false });
    expect(invalidated(["customers", "one", CUSTOMER])).toBe(true);
    expect(invalidated(["customers", "list", {}, undefined, 25])).toBe(false);
    invalidation.refreshAll({ includeHeld: true });
    expect(invalidated(["customers", "list", {}, undefined, 25])).toBe(true);
  });

  it("a presence event replaces the viewers of a page that asked for them", () => {
    const invalidation = setup();
    const resource = `ticket:${TICKET}`;
    seed(["presence", resource], { resource, viewers: [] });
    const viewers: PresenceViewer[] = [
      { userId: JANE.id, name: JANE.name, state: "editing", since: "2030-01-01T00:00:00Z" },
    ];
    invalidation.handle("presence", { resource, viewers });
    expect(client.getQueryData(["presence", resource])).toEqual({ resource, viewers });
    invalidation.handle("presence", { resource: `customer:${CUSTOMER}`, viewers });
    expect(client.getQueryData(["presence", `customer:${CUSTOMER}`])).toBeUndefined();
  });
});

describe("live words", () => {
  const viewer = (name: string, state: PresenceViewer["state"]): PresenceViewer => ({
    userId: JANE.id,
    name,
    state,
    since: "2030-01-01T00:00:00Z",
  });

  it("says who is on a page, those editing first", () => {
    expect(presenceInWords([viewer("Jane Tech", "viewing")])).toBe("Jane Tech is viewing");
    expect(presenceInWords([viewer("Jane", "viewing"), viewer("John", "editing"), viewer("Ann", "viewing")])).toBe(
      "John is editing · Jane and Ann are viewing",
    );
    expect(presenceInWords(["A", "B", "C", "D"].map((name) => viewer(name, "viewing")))).toBe(
      "A, B and 2 others are viewing",
    );
  });

  it("says what others' saves changed, each field once from its first value to its last", () => {
    expect(
      ticketChangesInWords([
        ticketEvent({ from: "open", to: "in_progress" }),
        ticketEvent({ kind: "assigned", fields: ["assigneeId"], from: null, to: JANE.id }),
        ticketEvent({ from: "in_progress", to: "resolved" }),
      ]),
    ).toBe("Jane Tech changed status (Open → Resolved) and assignee");
    expect(
      ticketChangesInWords([
        ticketEvent({ kind: "updated", fields: ["subject", "description"], from: null, to: null }),
        ticketEvent({ kind: "priority_changed", fields: ["priority"], from: "normal", to: "urgent", actor: null }),
      ]),
    ).toBe("Jane Tech and Someone changed subject, description and priority (Normal → Urgent)");
  });
});

describe("recent timeline keys", () => {
  it("passes a key once, and forgets the oldest beyond its size", () => {
    const keys = new RecentKeys(2);
    expect(keys.add("te:1")).toBe(true);
    expect(keys.add("te:1")).toBe(false);
    expect(keys.add("te:2")).toBe(true);
    expect(keys.add("te:3")).toBe(true);
    expect(keys.add("te:2")).toBe(false);
    expect(keys.add("te:1")).toBe(true);
  });
});
