import { beforeAll, describe, expect, it } from "vitest";
import type { Customer } from "../../src/shared/customers.js";
import { TICKET_SORTS, type TicketDetail, type TicketList } from "../../src/shared/tickets.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";

/** The ticket list's text search finds tickets by their customer; `customerId` narrows to one. */
describe.each(testDatabaseKinds())("ticket search by customer on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let lars: Customer;
  let larsOlsen: Customer;
  let larsTickets: TicketDetail[];
  let olsenTicket: TicketDetail;
  let unrelated: TicketDetail;

  const search = async (query: Record<string, string>) => {
    const res = await admin.get(`/api/tickets?${new URLSearchParams({ limit: "200", ...query })}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as TicketList;
  };
  const idsFor = async (query: Record<string, string>) => new Set((await search(query)).items.map((item) => item.id));

  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    lars = await makeCustomer(admin, { name: "Lars Mills", phone: "+12015550142", altPhone: "+17185550977" });
    larsOlsen = await makeCustomer(admin, { name: "Lars Olsen" });
    larsTickets = [
      await makeTicket(admin, { customerId: lars.id, subject: "Router blinks red" }),
      await makeTicket(admin, { customerId: lars.id, subject: "Slow evenings" }),
    ];
    olsenTicket = await makeTicket(admin, { customerId: larsOlsen.id, subject: "Billing question" });
    unrelated = await makeTicket(admin, { subject: "Tower 7 power supply" });
  });

  const larsIds = () => larsTickets.map((ticket) => ticket.id);

  it("finds a customer's tickets by their full name, and by one word of it", async () => {
    const byName = await idsFor({ q: "Lars Mills" });
    expect([...byName].sort()).toEqual(larsIds().sort());

    const bySurname = await idsFor({ q: "mills" });
    expect([...bySurname].sort()).toEqual(larsIds().sort());

    // "Lars" names two customers: both their tickets, nobody else's.
    const byFirstName = await idsFor({ q: "lars" });
    expect([...byFirstName].sort()).toEqual([...larsIds(), olsenTicket.id].sort());
    expect(byFirstName.has(unrelated.id)).toBe(false);
  });

  it("finds a customer's tickets by their phone in any format, mobile or alternative", async () => {
    for (const q of ["+12015550142", "(201) 555-0142", "201.555.0142", "+1 201 555 0142", "1-201-555-0142"]) {
      expect([...(await idsFor({ q }))].sort(), q).toEqual(larsIds().sort());
    }
    // A local number without its area code: the end of the stored number.
    expect([...(await idsFor({ q: "555-0142" }))].sort()).toEqual(larsIds().sort());
    expect([...(await idsFor({ q: "(718) 555-0977" }))].sort()).toEqual(larsIds().sort());
    // Another number finds nothing of his.
    const other = await idsFor({ q: "(201) 555-0143" });
    for (const id of larsIds()) expect(other.has(id)).toBe(false);
  });

  it("finds a customer's tickets by their account number, with or without the zeros", async () => {
    const digits = lars.accountNumber.replace(/^C-0*/, "");
    for (const q of [lars.accountNumber, lars.accountNumber.toLowerCase(), `c${digits}`]) {
      expect([...(await idsFor({ q }))].sort(), q).toEqual(larsIds().sort());
    }
  });

  it("still finds tickets by subject and by number, and bare digits are a ticket number", async () => {
    expect([...(await idsFor({ q: "power supply" }))]).toEqual([unrelated.id]);
    expect([...(await idsFor({ q: unrelated.number }))]).toEqual([unrelated.id]);
    const digits = unrelated.number.replace(/^T-0*/, "");
    expect([...(await idsFor({ q: digits }))]).toEqual([unrelated.id]);
    // Four digits of his phone are not his phone (too short to be one): no ticket of his.
    const lastFour = await idsFor({ q: "0142" });
    for (const id of larsIds()) expect(lastFour.has(id)).toBe(false);
  });

  it("customerId lists one customer's tickets, alone or with a search and other filters", async () => {
    const mine = await search({ customerId: lars.id });
    expect(mine.items.map((item) => item.id).sort()).toEqual(larsIds().sort());
    expect(mine.items.every((item) => item.customer?.id === lars.id)).toBe(true);
    expect(mine.count).toBe(2);

    expect([...(await idsFor({ customerId: lars.id, q: "router" }))]).toEqual([larsTickets[0]?.id]);
    // "lars" names both customers; the filter keeps one.
    expect([...(await idsFor({ customerId: larsOlsen.id, q: "lars" }))]).toEqual([olsenTicket.id]);
    expect((await search({ customerId: lars.id, status: "closed" })).items).toEqual([]);
  });

  it("counts and pages a customer search like any other", async () => {
    const first = await search({ q: "lars", limit: "2" });
    expect(first.items).toHaveLength(2);
    expect(first.count).toBe(3);
    expect(first.nextCursor).not.toBeNull();
    const next = await search({ q: "lars", limit: "2", cursor: first.nextCursor ?? "" });
    const all = [...first.items, ...next.items].map((item) => item.id).sort();
    expect(all).toEqual([...larsIds(), olsenTicket.id].sort());
  });

  it("pages a customer search one ticket at a time in every sort, each ticket once", async () => {
    for (const sort of TICKET_SORTS) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: TicketList = await search({ q: "lars", sort, limit: "1", ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor && seen.length < 10);
      expect(seen.sort(), sort).toEqual([...larsIds(), olsenTicket.id].sort());
    }
  });

  it("refuses a customerId that is no id with 422 naming the field", async () => {
    const res = await admin.get("/api/tickets?customerId=lars");
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(problemOf(res))).toContain("customerId");
  });

  it("search text with LIKE wildcards matches them literally", async () => {
    expect((await search({ q: "%" })).items).toEqual([]);
    expect((await search({ q: "___" })).items).toEqual([]);
  });
});
