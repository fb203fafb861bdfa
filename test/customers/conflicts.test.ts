import { beforeEach, describe, expect, it } from "vitest";
import { ZCustomerConflict } from "../../src/shared/conflict.js";
import type { Customer } from "../../src/shared/customers.js";
import { mergedValues, pickFields, saveWithMerge } from "../../src/web/app/merge.js";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";

const FIELDS = ["name", "street", "city", "notes", "vlanId"] as const;
type Values = Pick<Customer, (typeof FIELDS)[number]>;

/** What the customer form does on Save (src/web/app/merge.ts), over the real API. */
function saveAs(session: Session, id: string) {
  const statuses: number[] = [];
  const save = (base: Values, version: number, mine: Values) =>
    saveWithMerge(
      async (fields, at) => {
        const response = await session.patch(`/api/customers/${id}`, { ...fields, version: at });
        statuses.push(response.statusCode);
        if (response.statusCode === 200) return null;
        expect(response.statusCode).toBe(409);
        return ZCustomerConflict.parse(response.json());
      },
      (conflict) => ({ values: pickFields(conflict.current, FIELDS), version: conflict.current.version }),
      base,
      version,
      mine,
    );
  return { save, statuses };
}

describe.each(testDatabaseKinds())("customer edit conflicts on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  let john: Session;

  beforeEach(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  const fetchCustomer = async (id: string) => (await admin.get(`/api/customers/${id}`)).json() as Customer;

  it("a stale edit is merged with the colleague's change and saved in one more request, never looping on 409", async () => {
    const opened = await makeCustomer(admin, { street: "12 Main St", notes: "Gate code 1234" });
    const first = await admin.patch(`/api/customers/${opened.id}`, { street: "14 Main St", version: opened.version });
    expect(first.statusCode).toBe(200);

    const { save, statuses } = saveAs(john, opened.id);
    const base = pickFields(opened, FIELDS);
    const outcome = await save(base, opened.version, { ...base, notes: "Gate code 4321", vlanId: 120 });
    expect(outcome).toEqual({ saved: true, theirsKept: ["street"] });
    expect(statuses).toEqual([409, 200]);
    expect(await fetchCustomer(opened.id)).toMatchObject({
      street: "14 Main St",
      notes: "Gate code 4321",
      vlanId: 120,
      version: opened.version + 2,
    });
  });

  it("the 409 carries the current customer and version, and a save on that version goes through", async () => {
    const opened = await makeCustomer(admin, { city: "Springfield" });
    await admin.patch(`/api/customers/${opened.id}`, { city: "Shelbyville", version: opened.version });
    const stale = await john.patch(`/api/customers/${opened.id}`, {
      notes: "Dog in the yard",
      version: opened.version,
    });
    expect(stale.statusCode).toBe(409);
    const conflict = ZCustomerConflict.parse(stale.json());
    expect(conflict.current).toMatchObject({ city: "Shelbyville", version: opened.version + 1 });
    const again = await john.patch(`/api/customers/${opened.id}`, {
      notes: "Dog in the yard",
      version: conflict.current.version,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ city: "Shelbyville", notes: "Dog in the yard" });
  });

  it("asks only where both changed a field, then saves the choice on the current version", async () => {
    const opened = await makeCustomer(admin, { street: "1 Oak Ave", notes: "Old notes" });
    await admin.patch(`/api/customers/${opened.id}`, {
      notes: "Their notes",
      city: "Springfield",
      version: opened.version,
    });
    const { save, statuses } = saveAs(john, opened.id);
    const base = pickFields(opened, FIELDS);
    const outcome = await save(base, opened.version, { ...base, notes: "My notes", street: "3 Oak Ave" });
    expect(statuses).toEqual([409]);
    if (outcome.saved) throw new Error("expected a collision");
    expect(outcome.pending.merge.collisions).toEqual(["notes"]);
    expect(outcome.pending.merge.theirsOnly).toEqual(["city"]);

    const chosen = mergedValues({ ...outcome.pending, choices: { notes: "theirs" } });
    expect((await save(outcome.base, outcome.version, chosen)).saved).toBe(true);
    expect(statuses).toEqual([409, 200]);
    expect(await fetchCustomer(opened.id)).toMatchObject({
      notes: "Their notes",
      street: "3 Oak Ave",
      city: "Springfield",
    });
  });
});
