import { mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restoreEmbeddedBackup } from "../../src/server/backups/backups.restore.js";
import { runScheduledBackup } from "../../src/server/backups/backups.service.js";
import { loadConfig } from "../../src/server/config.js";
import type { DatabaseHandle } from "../../src/server/db/client.js";
import { openDatabase } from "../../src/server/db/open.js";
import type { BackupCreated, BackupList } from "../../src/shared/backups.js";
import { createTestApp, DEMO, problemOf, type Session, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeComment } from "../support/factories/comments.js";
import { makeCustomer } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff } from "../support/factories/users.js";
import { makeToken, tokenClient } from "../support/tokens.js";
import { fingerprint, restoreIntoServer } from "./helpers.js";

const DAY = 86_400_000;
const stamp = (date: Date) =>
  `uplink-${date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-")}.sql.gz`;

describe.each(testDatabaseKinds())("backups while the app runs (%s)", (kind) => {
  let work: string;
  let t: TestApp;
  let admin: Session;
  let agent: Session;
  let technician: Session;
  /** A restored copy of a backup, for the comparison; closed after each test. */
  const restored: { handle: DatabaseHandle; drop(): Promise<void> }[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "uplink-backups-"));
    t = await createTestApp(kind, {
      env: { BACKUP_DIR: path.join(work, "backups"), BACKUP_KEEP: "14" },
    });
    admin = await signIn(t.app, DEMO.admin);
    technician = await signIn(t.app, DEMO.john);
    const agentUser = await makeStaff(admin, { role: "agent" });
    agent = await signIn(t.app, { email: agentUser.email, password: agentUser.password });
  }, 120_000);
  afterAll(async () => {
    for (const copy of restored) await copy.drop();
    await t?.close();
    await rm(work, { recursive: true, force: true });
  });

  const backupDir = () => path.join(work, "backups");
  const takeBackup = async () => {
    const response = await admin.post("/api/backups");
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as BackupCreated;
  };

  /** The backup loaded into a new data directory (embedded) or a new database (server). */
  async function restore(name: string): Promise<DatabaseHandle> {
    const file = path.join(backupDir(), name);
    if (kind === "postgres") {
      const copy = await restoreIntoServer(file);
      restored.push(copy);
      return copy.handle;
    }
    const config = loadConfig({ DATA_DIR: await mkdtemp(path.join(work, "restored-")) });
    await restoreEmbeddedBackup(config, file);
    const handle = await openDatabase(config);
    restored.push({ handle, drop: () => handle.close() });
    return handle;
  }

  it("backs up while running and restores into a new database with every table's rows the same", async () => {
    const customer = await makeCustomer(admin, { name: "Zoë O'Brien; DROP TABLE customers" });
    const ticket = await makeTicket(admin, { customerId: customer.id, subject: "Backup round trip" });
    await makeComment(admin, ticket.id, { body: "Ünïcode — and a 'quote' and a \\ backslash" });

    const backup = await takeBackup();
    expect(backup.name).toMatch(/^uplink-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ(-\d+)?\.sql\.gz$/);
    expect(backup.size).toBeGreaterThan(1000);
    expect((await readdir(backupDir())).filter((name) => name.endsWith(".partial"))).toEqual([]);

    const before = await fingerprint(t.database.handle.db);
    const copy = await restore(backup.name);
    const after = await fingerprint(copy.db);
    expect(Object.keys(before).length).toBeGreaterThan(30);
    expect(after).toEqual(before);
    // The app still writes after the backup (the dump's read-only transaction is over).
    await makeTicket(admin, { subject: "After the backup" });
    const list = (await admin.get("/api/backups")).json() as BackupList;
    expect(list.items.map((item) => item.name)).toContain(backup.name);
    expect(list.database).toBe(kind === "pglite" ? "embedded" : "server");
    expect(list.available).toBe(true);
  }, 180_000);

  it("keeps every write acknowledged before the backup started while 20 clients write, in a consistent copy", async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(t.app, i % 2 === 0 ? DEMO.admin : DEMO.jane)),
    );
    const acknowledged: { ticketId: string; commentId?: string }[] = [];
    let stop = false;
    let failures = 0;
    const writer = async (client: Session) => {
      while (!stop) {
        const created = await client.post("/api/tickets", { subject: `Written during a backup ${Math.random()}` });
        if (created.statusCode !== 201) {
          failures += 1;
          continue;
        }
        const ticketId = created.json().id as string;
        acknowledged.push({ ticketId });
        const comment = await client.post(`/api/tickets/${ticketId}/comments`, { body: "A note during the backup" });
        if (comment.statusCode === 201) acknowledged.push({ ticketId, commentId: comment.json().id });
        else failures += 1;
      }
    };
    const writers = clients.map(writer);
    while (acknowledged.length < 60) await new Promise((resolve) => setTimeout(resolve, 10));
    const beforeBackup = [...acknowledged];
    const backup = await takeBackup();
    const afterBackup = acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await Promise.all(writers);
    expect(failures).toBe(0);
    expect(acknowledged.length).toBeGreaterThan(afterBackup - 1);

    const copy = await restore(backup.name);
    const { sql } = await import("drizzle-orm");
    const { queryRows } = await import("../../src/server/db/client.js");
    const tickets = new Set(
      (await queryRows<{ id: string }>(copy.db, sql`select id from tickets`)).map((row) => row.id),
    );
    const comments = new Set(
      (await queryRows<{ id: string }>(copy.db, sql`select id::text from ticket_comments`)).map((row) => row.id),
    );
    for (const write of beforeBackup) {
      expect(tickets.has(write.ticketId), `ticket ${write.ticketId}`).toBe(true);
      if (write.commentId) expect(comments.has(String(write.commentId)), `comment ${write.commentId}`).toBe(true);
    }
    // Consistent: each ticket's timeline has its creation and one entry per comment; the number
    // sequence is past every ticket number in the copy.
    const [check] = await queryRows<{ without_created: number; comment_mismatch: number; sequence_behind: boolean }>(
      copy.db,
      sql`select
            (select count(*)::int from tickets tk where not exists
               (select 1 from ticket_events e where e.ticket_id = tk.id and e.kind = 'created')) as without_created,
            (select count(*)::int from tickets tk where
               (select count(*) from ticket_comments c where c.ticket_id = tk.id) <>
               (select count(*) from ticket_events e where e.ticket_id = tk.id and e.kind = 'commented')) as comment_mismatch,
            (select last_value from ticket_number_seq) <
              (select max(substring(number from 3)::bigint) from tickets) as sequence_behind`,
    );
    expect(check).toEqual({ without_created: 0, comment_mismatch: 0, sequence_behind: false });
  }, 240_000);

  it("deletes backups older than BACKUP_KEEP days after a backup, never the newest, and nothing else", async () => {
    const now = t.clock.now();
    const old = stamp(new Date(now.getTime() - 20 * DAY));
    const recent = stamp(new Date(now.getTime() - 10 * DAY));
    const crashed = `${stamp(new Date(now.getTime() - 2 * DAY))}.partial`;
    for (const name of [old, recent, crashed, "notes.txt", "uplink-old-copy.sql"]) {
      await writeFile(path.join(backupDir(), name), "old");
    }
    const backup = await takeBackup();
    const names = await readdir(backupDir());
    expect(names).not.toContain(old);
    expect(names).not.toContain(crashed);
    expect(names).toEqual(expect.arrayContaining([recent, backup.name, "notes.txt", "uplink-old-copy.sql"]));
  }, 120_000);

  it("is for admins only: staff get 403, tokens need the admin scope", async () => {
    const { name } = await takeBackup();
    for (const session of [agent, technician]) {
      for (const response of [
        await session.get("/api/backups"),
        await session.post("/api/backups"),
        await session.get(`/api/backups/${name}`),
      ]) {
        expect(response.statusCode).toBe(403);
        expect(problemOf(response).code).toBe("auth.forbidden");
      }
    }
    const writeToken = tokenClient(t.app, (await makeToken(admin, { scopes: ["read", "write"] })).token);
    expect(problemOf(await writeToken.post("/api/backups")).code).toBe("token.insufficient_scope");
    const adminToken = tokenClient(t.app, (await makeToken(admin, { scopes: ["admin"] })).token);
    const created = await adminToken.post("/api/backups");
    expect(created.statusCode, created.body).toBe(201);
    expect((await t.app.inject({ method: "GET", url: "/api/backups" })).statusCode).toBe(401);
  }, 120_000);

  it("downloads a listed backup as an attachment, and nothing outside the list", async () => {
    const backup = await takeBackup();
    const download = await admin.request({
      method: "GET",
      url: `/api/backups/${backup.name}`,
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/gzip");
    expect(download.headers["content-disposition"]).toBe(`attachment; filename="${backup.name}"`);
    expect(download.headers["content-encoding"]).toBeUndefined();
    expect(download.rawPayload.length).toBe(backup.size);
    expect(gunzipSync(download.rawPayload).toString("utf8")).toContain("CREATE TABLE public.tickets");

    // A file next to the backups named like one but linking elsewhere, and one being written.
    const outside = path.join(work, "secret.sql.gz");
    await writeFile(outside, "not a backup");
    const linked = stamp(new Date(Date.now() + DAY));
    await symlink(outside, path.join(backupDir(), linked));
    await writeFile(path.join(backupDir(), `${backup.name.replace(".sql.gz", "-9.sql.gz")}.partial`), "half");
    for (const url of [
      `/api/backups/${linked}`,
      `/api/backups/${backup.name.replace(".sql.gz", "-9.sql.gz")}.partial`,
      "/api/backups/uplink-2020-01-01T00-00-00Z.sql.gz",
      "/api/backups/..%2Fsecret.sql.gz",
      "/api/backups/..%2F..%2F..%2Fetc%2Fpasswd",
      "/api/backups/%2Fetc%2Fpasswd",
      "/api/backups/uplink-2020-01-01T00-00-00Z.sql.gz%00.txt",
    ]) {
      const response = await admin.get(url);
      expect([400, 404, 422], `${url}: ${response.statusCode}`).toContain(response.statusCode);
      expect(problemOf(response).status).toBe(response.statusCode);
    }
    const listed = ((await admin.get("/api/backups")).json() as BackupList).items.map((item) => item.name);
    expect(listed).not.toContain(linked);
  }, 120_000);

  it("answers 409 to a second backup while one is being taken", async () => {
    const [first, second] = await Promise.all([admin.post("/api/backups"), admin.post("/api/backups")]);
    expect([first?.statusCode, second?.statusCode].sort()).toEqual([201, 409]);
    const refused = first?.statusCode === 409 ? first : second;
    if (refused) expect(problemOf(refused).code).toBe("backup.in_progress");
  }, 120_000);

  it("takes each scheduled slot once across instances, and skips a slot missed by more than an hour", async () => {
    const config = { ...t.config, BACKUP_SCHEDULE: "daily@02:00", TIME_ZONE: "America/Chicago" };
    // 02:00 in Chicago on 2026-03-10 (CDT) is 07:00 UTC.
    const clock = { now: () => new Date("2026-03-10T07:00:30Z") };
    const deps = { database: t.database.handle, config, clock };
    const note = await runScheduledBackup(deps);
    expect(note).toMatch(/^uplink-2026-03-10T07-00-30Z\.sql\.gz written/);
    // Another instance (or this one a minute later) finds the slot taken.
    expect(
      await runScheduledBackup({ ...deps, clock: { now: () => new Date("2026-03-10T07:01:30Z") } }),
    ).toBeUndefined();
    const list = (await admin.get("/api/backups")).json() as BackupList;
    expect(list.schedule).toMatchObject({ spec: kind === "pglite" ? "daily@02:00" : "off", keepDays: 14 });
    const { backupRuns } = await import("../../src/server/db/schema/index.js");
    const runs = await t.database.handle.db.select().from(backupRuns);
    expect(runs).toEqual([
      expect.objectContaining({
        fileName: "uplink-2026-03-10T07-00-30Z.sql.gz",
        error: null,
        finishedAt: expect.any(Date),
      }),
    ]);
    // The next day's slot, noticed at 03:30 (the app was stopped): skipped.
    expect(
      await runScheduledBackup({ ...deps, clock: { now: () => new Date("2026-03-11T08:30:00Z") } }),
    ).toBeUndefined();
  }, 120_000);
});
