import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_CACHE_MS } from "../../src/server/db/config-cache.js";
import { listen, notify, type Unlisten } from "../../src/server/db/notify.js";
import type { App } from "../../src/server/deps.js";
import { smsRows } from "../sms/sms-test-app.js";
import { createTestApp, DEMO, type Session, sessionFor, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { openSecondInstance, type SecondInstance } from "../support/second-instance.js";

/**
 * The SLA policy and the SMS templates are cached by each app (db/config-cache.ts) and forgotten
 * on every instance by a NOTIFY at the commit of a change; and every transaction sends its
 * NOTIFYs in one statement just before it commits (db/client.ts). Two app instances on one
 * database, each with its own cache: on the server each has its own pool and LISTEN connection,
 * as two processes would; on PGlite both share the embedded database and its notifications.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

/** Runs `attempt` until it answers true; fails after `withinMs`. */
async function within(withinMs: number, attempt: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await attempt()) return performance.now() - started;
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await sleep(25);
  }
}

describe.each(testDatabaseKinds())("settings cache and notifications at commit (%s)", (kind) => {
  let first: TestApp;
  let secondInstance: SecondInstance;
  let second: App;
  let admin: Session;
  let adminThere: Session;

  beforeAll(async () => {
    first = await createTestApp(kind);
    secondInstance = await openSecondInstance(first);
    second = secondInstance.app;
    admin = await signIn(first.app, DEMO.admin);
    adminThere = sessionFor(second, admin.cookie, admin.csrfToken, admin.user);
  }, 180_000);

  afterAll(async () => {
    await secondInstance?.close();
    await first?.close();
  });

  const dueOf = async (session: Session, customerId: string) => {
    const ticket = await makeTicket(session, { customerId, priority: "normal" });
    expect(ticket.dueAt).not.toBeNull();
    return new Date(ticket.dueAt as string).getTime() - new Date(ticket.createdAt).getTime();
  };

  it("a changed SLA target applies to the next ticket on this instance at once and on the other within a second", async () => {
    const customer = await makeCustomer(admin);
    const hours = (await admin.get("/api/tickets/sla-hours")).json() as Record<string, number>;
    try {
      // Both instances have read the policy (and keep it).
      const before = await dueOf(admin, customer.id);
      expect(await dueOf(adminThere, customer.id)).toBe(before);

      const changed = await admin.put("/api/tickets/sla-hours", { ...hours, normal: (hours.normal ?? 24) + 96 });
      expect(changed.statusCode).toBe(200);
      // Here at once: the change emptied this instance's cache in its own transaction …
      expect(await dueOf(admin, customer.id)).toBeGreaterThan(before + 48 * HOUR);
      // … and there by the NOTIFY at its commit, well before the cache's own expiry.
      const took = await within(CONFIG_CACHE_MS - 2_000, async () => (await dueOf(adminThere, customer.id)) > before);
      expect(took).toBeLessThan(CONFIG_CACHE_MS - 2_000);
    } finally {
      await admin.put("/api/tickets/sla-hours", hours);
    }
  }, 30_000);

  it("an edited SMS template is used for the next message on both instances", async () => {
    const customer = await makeCustomer(admin);
    const bodyOf = async (session: Session) => {
      const ticket = await makeTicket(session, { customerId: customer.id });
      const [row] = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_created" });
      return row?.body ?? "";
    };
    try {
      expect(await bodyOf(admin)).toMatch(/^Hi /);
      expect(await bodyOf(adminThere)).toMatch(/^Hi /);
      const edited = await admin.put("/api/sms/templates/ticket_created", {
        body: "Cache check: ticket {{ticket.number}} is open. Reply STOP to opt out.",
      });
      expect(edited.statusCode).toBe(200);
      expect(await bodyOf(admin)).toMatch(/^Cache check: ticket T-/);
      await within(CONFIG_CACHE_MS - 2_000, async () => (await bodyOf(adminThere)).startsWith("Cache check"));

      expect((await admin.delete("/api/sms/templates/ticket_created")).statusCode).toBe(200);
      expect(await bodyOf(admin)).toMatch(/^Hi /);
      await within(CONFIG_CACHE_MS - 2_000, async () => (await bodyOf(adminThere)).startsWith("Hi "));
    } finally {
      await admin.delete("/api/sms/templates/ticket_created");
    }
  }, 30_000);

  it("a transaction's NOTIFYs reach listeners at its commit, repeats once, and none from one rolled back", async () => {
    const db = first.database.handle.db;
    const heard: string[] = [];
    const channel = "config_cache_test";
    const unlisten: Unlisten = await listen(first.database.handle, channel, (payload) => heard.push(payload), {
      retryMs: 500,
      log: { warn: () => {} },
    });
    try {
      await db.transaction(async (tx) => {
        await notify(tx, channel, "one");
        await notify(tx, channel, "two");
        await notify(tx, channel, "one");
        await tx.execute(sql`select 1`);
        // Not before the commit.
        await sleep(300);
        expect(heard).toEqual([]);
      });
      await within(3_000, async () => heard.length >= 2);
      await expect(
        db.transaction(async (tx) => {
          await notify(tx, channel, "rolled back");
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      await notify(db, channel, "outside a transaction");
      await within(3_000, async () => heard.includes("outside a transaction"));
      expect(heard).toEqual(["one", "two", "outside a transaction"]);
    } finally {
      await unlisten();
    }
  });

  it("delivers more notifications than one select list may hold (PostgreSQL's limit is 1,664)", async () => {
    const heard = new Set<string>();
    const channel = "config_cache_many";
    const unlisten = await listen(first.database.handle, channel, (payload) => heard.add(payload), {
      retryMs: 500,
      log: { warn: () => {} },
    });
    try {
      await first.database.handle.db.transaction(async (tx) => {
        for (let i = 0; i < 2_500; i++) await notify(tx, channel, `n${i}`);
      });
      await within(10_000, async () => heard.size === 2_500);
    } finally {
      await unlisten();
    }
  }, 30_000);

  it.runIf(kind === "postgres")("sends a transaction's NOTIFYs in one statement", async () => {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text?: string };
      sent.push(typeof first === "string" ? first : (first?.text ?? ""));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await first.database.handle.db.transaction(async (tx) => {
        await notify(tx, "config_cache_test", "a");
        await notify(tx, "config_cache_test", "b");
        await notify(tx, "other_channel", "c");
      });
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(sent.filter((text) => text.includes("pg_notify"))).toEqual([
      "select pg_notify($1, $2), pg_notify($3, $4), pg_notify($5, $6)",
    ]);
  });
});
