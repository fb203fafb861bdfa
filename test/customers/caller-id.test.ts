import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";

/** The forms a phone system sends a caller id in, for one E.164 US number. */
function callerIdForms(e164: string): string[] {
  const national = e164.slice(2); // +1 2015550142 → 2015550142
  return [
    e164,
    `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`,
    national,
    `1${national}`,
    `00${e164.slice(1)}`,
    `011${e164.slice(1)}`,
    // An unencoded "+" in a query string arrives as a space.
    ` ${e164.slice(1)}`,
  ];
}

const ids = (response: { json(): { items: { id: string }[] } }) =>
  response
    .json()
    .items.map((c) => c.id)
    .sort();

describe.each(testDatabaseKinds())("customers by caller id (?phone=) on %s", (kind) => {
  const t = useTestApp(kind);

  it("finds the customer from every caller-id format of their mobile or alternative phone", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const phone = uniquePhone();
    const mobile = await makeCustomer(admin, { phone });
    const household = await makeCustomer(admin, { phone: uniquePhone(), altPhone: phone });
    for (const form of callerIdForms(phone)) {
      const response = await admin.get(`/api/customers?phone=${encodeURIComponent(form)}`);
      expect(response.statusCode, form).toBe(200);
      expect(ids(response), form).toEqual([mobile.id, household.id].sort());
    }
  });

  it("reads a '+' that URL decoding turned into a space the same way, unencoded in the query string", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const phone = uniquePhone();
    const customer = await makeCustomer(admin, { phone });
    const response = await admin.get(`/api/customers?phone=${phone}`);
    expect(ids(response)).toEqual([customer.id]);
  });

  it("stores a number typed with 00 or 011 in front as E.164", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const phone = uniquePhone();
    const withZeros = await makeCustomer(admin, { phone: `00${phone.slice(1)}` });
    expect(withZeros.phone).toBe(phone);
    const withIdd = await makeCustomer(admin, { phone: uniquePhone(), altPhone: `011 ${phone.slice(1)}` });
    expect(withIdd.altPhone).toBe(phone);
  });

  it("answers a caller id that is no phone number with 422 on the phone field, never a 500", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    for (const bad of ["anonymous", "00", "011", "12", "+0012015550142"]) {
      const response = await admin.get(`/api/customers?phone=${encodeURIComponent(bad)}`);
      expect(response.statusCode, bad).toBe(422);
      expect(problemOf(response).errors?.[0]?.field, bad).toBe("phone");
    }
  });
});

describe.each(testDatabaseKinds())("caller ids for a UK ISP (DEFAULT_COUNTRY=GB) on %s", (kind) => {
  const t = useTestApp(kind, { env: { DEFAULT_COUNTRY: "GB" } });

  it("finds a London number from its national, 00, +44 and bare 44 forms, and a US caller from 001 and 1", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const london = await makeCustomer(admin, { phone: "020 7946 0321" });
    expect(london.phone).toBe("+442079460321");
    for (const form of ["02079460321", "+44 20 7946 0321", "00442079460321", "442079460321"]) {
      const response = await admin.get(`/api/customers?phone=${encodeURIComponent(form)}`);
      expect(ids(response), form).toEqual([london.id]);
    }
    const us = uniquePhone();
    const american = await makeCustomer(admin, { phone: us });
    for (const form of [`00${us.slice(1)}`, us.slice(1)]) {
      const response = await admin.get(`/api/customers?phone=${encodeURIComponent(form)}`);
      expect(ids(response), form).toEqual([american.id]);
    }
  });
});
