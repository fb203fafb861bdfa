import { describe, expect, it } from "vitest";
import { maintenanceJobs } from "../../src/server/maintenance.js";
import { NOTIFICATION_RETENTION_DAYS } from "../../src/server/notifications/notifications.service.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician, signInAs } from "../support/factories/users.js";
import { notificationsAbout } from "./helpers.js";

const DAY = 86_400_000;

/** The bell keeps what is recent: the maintenance schedule deletes notifications past the retention. */
describe.each(testDatabaseKinds())("notification retention (%s)", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock("2026-01-05T09:00:00Z") });

  it(`deletes notifications older than ${NOTIFICATION_RETENTION_DAYS} days and keeps the rest`, async () => {
    let admin = await signIn(t().app, DEMO.admin);
    const tech = await makeTechnician(admin);
    const old = await makeTicket(admin, { assigneeId: tech.id });
    t().clock.advance((NOTIFICATION_RETENTION_DAYS - 1) * DAY);
    admin = await signIn(t().app, DEMO.admin);
    const recent = await makeTicket(admin, { assigneeId: tech.id });
    t().clock.advance(2 * DAY);
    const job = maintenanceJobs({ database: t().database.handle, clock: t().clock, config: t().config }).find(
      (candidate) => candidate.name === "old notifications",
    );
    expect(await job?.run()).toMatch(/^\d+ notifications older than/);
    const session = await signInAs(t().app, tech);
    expect(await notificationsAbout(session, { ticketId: old.id })).toEqual([]);
    expect(await notificationsAbout(session, { ticketId: recent.id })).toHaveLength(1);
  });
});
