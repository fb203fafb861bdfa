import Fastify, { type FastifyInstance } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../../src/server/app.js";
import { compiledSerializerCompiler } from "../../src/server/http/serializer.js";
import { ZProblem } from "../../src/shared/problem.js";
import { ZUser, ZUserList } from "../../src/shared/users.js";
import { createTestApp, DEMO, problemOf, type Session, signIn, type TestApp, testConfig } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";

/**
 * Answers written by serialisers compiled from the zod response schemas (src/server/http/serializer.ts):
 * only what a schema declares is written, and under tests (`checked`) each answer must be the same
 * JSON as zod's own serialisation, or the request fails.
 */

const ISO = "2026-03-01T10:00:00.000Z";

const ZRow = z.object({
  id: z.string(),
  count: z.number().int(),
  createdAt: z.iso.datetime({ offset: true }),
  closedAt: z.iso.datetime({ offset: true }).nullable(),
  phone: z.string().nullable(),
  tags: z.array(z.string()),
  owner: z.object({ id: z.string(), name: z.string() }).nullable(),
  kind: z.discriminatedUnion("type", [
    z.object({ type: z.literal("sms"), to: z.string() }),
    z.object({ type: z.literal("email"), address: z.string(), cc: z.array(z.string()) }),
  ]),
});

const row = (overrides: Record<string, unknown> = {}) => ({
  id: "r1",
  count: 3,
  createdAt: ISO,
  closedAt: null,
  phone: null,
  tags: [],
  owner: null,
  kind: { type: "sms", to: "+15550100" },
  ...overrides,
});

/** A tiny app with one route per schema, answering whatever `answer` holds. */
async function tinyApp(checked: boolean) {
  const app: FastifyInstance = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(compiledSerializerCompiler({ checked }));
  let answer: unknown;
  const routes = {
    "/row": ZRow,
    "/problem": ZProblem,
    "/union": z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]),
    // A Date schema has no JSON Schema: this route keeps zod's serializer.
    "/dated": z.object({ at: z.date() }),
  };
  for (const [url, schema] of Object.entries(routes)) {
    app.get(url, { schema: { response: { 200: schema } } }, async () => answer);
  }
  await app.ready();
  return {
    app,
    async get(url: keyof typeof routes, body: unknown) {
      answer = body;
      return app.inject({ method: "GET", url });
    },
  };
}

describe.each([true, false])("compiled serializer (checked: %s)", (checked) => {
  let tiny: Awaited<ReturnType<typeof tinyApp>>;
  beforeAll(async () => {
    tiny = await tinyApp(checked);
  });
  afterAll(async () => {
    await tiny.app.close();
  });

  it("writes only the declared properties, at every depth (a password hash on a row never leaves)", async () => {
    const response = await tiny.get(
      "/row",
      row({
        passwordHash: "$argon2id$secret",
        owner: { id: "u1", name: "Ann", passwordHash: "$argon2id$owner", totpSecret: "JBSW" },
        kind: { type: "email", address: "a@isp.test", cc: ["b@isp.test"], smtpPassword: "hunter2" },
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toMatch(/passwordHash|argon2|totpSecret|smtpPassword|hunter2/);
    expect(response.json()).toEqual(
      row({
        owner: { id: "u1", name: "Ann" },
        kind: { type: "email", address: "a@isp.test", cc: ["b@isp.test"] },
      }),
    );
  });

  it("writes nulls as null, and filled nullable fields as their values", async () => {
    const empty = await tiny.get("/row", row());
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe(
      '{"id":"r1","count":3,"createdAt":"2026-03-01T10:00:00.000Z","closedAt":null,"phone":null,"tags":[],"owner":null,"kind":{"type":"sms","to":"+15550100"}}',
    );
    const filled = await tiny.get(
      "/row",
      row({ closedAt: "2026-03-02T11:30:00.000+02:00", phone: "+15550101", owner: { id: "u2", name: "Bo" } }),
    );
    expect(filled.statusCode).toBe(200);
    expect(filled.json()).toMatchObject({
      closedAt: "2026-03-02T11:30:00.000+02:00",
      phone: "+15550101",
      owner: { id: "u2", name: "Bo" },
    });
  });

  it("escapes strings as JSON does", async () => {
    const tricky = 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 📡 </script>';
    const response = await tiny.get("/row", row({ id: tricky, tags: [tricky] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: tricky, tags: [tricky] });
  });

  it("writes a loose problem body with its extra members, and leaves out absent optional ones", async () => {
    const body = {
      type: "https://uplink.example/problems/user.has_open_tickets",
      title: "Conflict",
      status: 409,
      detail: "Holds 2 open tickets.",
      code: "user.has_open_tickets",
      openTicketCount: 2,
      nested: { a: [1, "two", null] },
    };
    const response = await tiny.get("/problem", body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(body);
    expect(response.body).not.toContain('"errors"');
    expect(response.body).not.toContain('"instance"');

    const withErrors = { ...body, errors: [{ field: "email", message: "Taken", hint: "dropped" }] };
    const answered = await tiny.get("/problem", withErrors);
    expect(answered.json()).toEqual({ ...body, errors: [{ field: "email", message: "Taken" }] });
  });

  it("picks the union branch the data fits, even with undeclared keys on it (a row's other columns)", async () => {
    expect((await tiny.get("/union", { a: "x", secret: "s" })).json()).toEqual({ a: "x" });
    expect((await tiny.get("/union", { b: 2, secret: "s" })).json()).toEqual({ b: 2 });
    const tagged = await tiny.get("/row", row({ kind: { type: "sms", to: "+15550100", providerSid: "SM1" } }));
    expect(tagged.statusCode).toBe(200);
    expect(tagged.json().kind).toEqual({ type: "sms", to: "+15550100" });
  });

  it("keeps zod's serializer for a schema JSON Schema cannot express (z.date())", async () => {
    const response = await tiny.get("/dated", { at: new Date(ISO), extra: 1 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ at: ISO });
    expect((await tiny.get("/dated", { at: ISO })).statusCode).toBe(500);
  });

  it("refuses what neither can write (a missing required field, a union no branch fits)", async () => {
    expect((await tiny.get("/row", { id: "r1" })).statusCode).toBe(500);
    expect((await tiny.get("/row", row({ kind: { type: "fax", number: "1" } }))).statusCode).toBe(500);
  });

  if (checked) {
    it("fails the request (500) where the compiled output would differ from zod's", async () => {
      // fast-json-stringify coerces these; zod refuses them. Checked, the answer is an error rather
      // than a silently different body.
      for (const wrong of [
        row({ count: "3" }),
        row({ id: 7 }),
        row({ tags: [1, 2] }),
        row({ createdAt: new Date(ISO) }),
        row({ closedAt: new Date(ISO) }),
      ]) {
        const response = await tiny.get("/row", wrong);
        expect(response.statusCode, JSON.stringify(wrong)).toBe(500);
        expect(response.body).not.toContain('"count":3,');
      }
    });
  } else {
    it("unchecked, answers from the compiled serializer alone (coercing as fast-json-stringify does)", async () => {
      const response = await tiny.get("/row", row({ count: "3", id: 7, tags: [1, 2] }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(row({ count: 3, id: "7", tags: ["1", "2"] }));
    });

    it("unchecked, writes a Date as its ISO text", async () => {
      const at = new Date("2026-03-01T10:00:00.123Z");
      const response = await tiny.get("/row", row({ createdAt: at, closedAt: at }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ createdAt: at.toISOString(), closedAt: at.toISOString() });
    });
  }
});

describe.each(testDatabaseKinds())("compiled serializer through the app (%s)", (kind) => {
  let t: TestApp;
  let admin: Session;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await signIn(t.app, DEMO.admin);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("answers staff rows without their password hash or second-factor secrets, dates as ISO text, nulls as null", async () => {
    const tech = await makeTechnician(admin, { phone: null });
    const list = await admin.get("/api/users?limit=100");
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toMatch(/passwordHash|password_hash|argon2|totp/i);
    expect(ZUserList.parse(list.json())).toBeTruthy();
    const listed = list.json().items.find((user: { id: string }) => user.id === tech.id);
    expect(listed).toMatchObject({ phone: null, lastLoginAt: null, active: true });
    expect(Object.keys(listed).sort()).toEqual(Object.keys(ZUser.shape).sort());
    expect(new Date(listed.createdAt).toISOString()).toBe(listed.createdAt);

    await signInAs(t.app, tech);
    const detail = await admin.get(`/api/users/${tech.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toMatch(/passwordHash|password_hash|argon2/i);
    expect(detail.json().lastLoginAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  it("answers a problem with its extra members (409 with the open ticket count) as problem+json", async () => {
    const tech = await makeTechnician(admin);
    await makeTicket(admin, { assigneeId: tech.id });
    const refused = await admin.patch(`/api/users/${tech.id}`, { active: false });
    expect(refused.statusCode).toBe(409);
    const problem = problemOf(refused);
    expect(problem).toMatchObject({ status: 409, code: "user.has_open_tickets", openTicketCount: 1 });
    expect(problem.instance).toMatch(/^urn:uplink:request:/);
  });

  it("under NODE_ENV=test, a route answering other than its schema fails with a 500 problem, not a coerced body", async () => {
    const app = await buildApp({ config: testConfig(), database: t.database.handle, clock: t.clock });
    try {
      app.get(
        "/serializer-check",
        { schema: { response: { 200: z.object({ count: z.number(), at: z.iso.datetime({ offset: true }) }) } } },
        // A service handing back the wrong types: what fast-json-stringify alone would coerce.
        async (request): Promise<never> =>
          ((request.query as { bad?: string }).bad
            ? { count: "12", at: new Date(ISO) }
            : { count: 12, at: ISO }) as never,
      );
      await app.ready();
      const good = await app.inject({ method: "GET", url: "/serializer-check" });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({ count: 12, at: ISO });
      const bad = await app.inject({ method: "GET", url: "/serializer-check?bad=1" });
      expect(bad.statusCode).toBe(500);
      expect(bad.body).not.toContain('"count":12');
      expect(problemOf(bad).status).toBe(500);
    } finally {
      await app.close();
    }
  });
});
