import { describe, expect, it } from "vitest";
import type { Notification } from "../../src/shared/notifications.js";
import type { Webhook } from "../../src/shared/webhooks.js";
import { notificationsAbout } from "../notifications/helpers.js";
import { DEMO, type Session, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, type StaffAccount, signInAs } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";
import { deliveries, makeWebhook, settled, useWebhookApp, waitForDeliveries } from "./webhook-test-app.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(testDatabaseKinds())("Webhook disabled: the admins are told (%s)", (kind) => {
  const w = useWebhookApp(kind);
  let secondAdmin: StaffAccount | undefined;
  let technician: StaffAccount | undefined;

  /** The demo admin, a second admin and a technician, each signed in afresh (the clock moves by days). */
  async function people(): Promise<{ admin: Session; other: Session; tech: Session }> {
    const { t, admin } = w();
    secondAdmin ??= await makeStaff(admin, { role: "admin" });
    technician ??= await makeStaff(admin, { role: "technician" });
    return {
      admin: await signIn(t.app, DEMO.admin),
      other: await signInAs(t.app, secondAdmin),
      tech: await signInAs(t.app, technician),
    };
  }

  const disabledNotices = async (session: Session, webhook: { url: string }): Promise<Notification[]> =>
    (await notificationsAbout(session, { kind: "webhook_disabled" })).filter((n) =>
      `${n.title} ${n.body}`.includes(webhook.url),
    );

  it("a 410 Gone disables the endpoint and tells each admin once, linking to Settings → Webhooks; a technician is not told", async () => {
    const { admin, receiver } = w();
    const { other, tech } = await people();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply({ kind: "status", status: 410 });
    await makeTicket(admin);
    await waitForDeliveries(w(), webhook.id, 1, (d) => d.status === "failed");
    const disabled = (await admin.get(`/api/webhooks/${webhook.id}`)).json() as Webhook;
    expect(disabled.enabled).toBe(false);

    for (const session of [admin, other]) {
      const notices = await disabledNotices(session, webhook);
      expect(notices, session.user.email).toHaveLength(1);
      expect(notices[0]).toMatchObject({ kind: "webhook_disabled", link: "/settings/webhooks", actor: null });
      expect(`${notices[0]?.title} ${notices[0]?.body}`).toContain("410 Gone");
    }
    expect(await notificationsAbout(tech, { kind: "webhook_disabled" })).toHaveLength(0);

    // Another event for the disabled endpoint is given up without a second notice.
    await makeTicket(admin);
    await eventually(async () => (await deliveries(w(), webhook.id)).every((d) => d.status === "failed"));
    expect(await disabledNotices(admin, webhook)).toHaveLength(1);
    await admin.delete(`/api/webhooks/${webhook.id}`);
  });

  it("the 3-day rule disables the endpoint and tells each admin once, naming the reason; a technician is not told", async () => {
    const { admin, receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    receiver.reply(...Array.from({ length: 60 }, () => ({ kind: "status" as const, status: 502 })));
    await makeTicket(admin);
    await waitForDeliveries(w(), webhook.id, 1, settled);
    t.clock.advance(3 * DAY + 60_000);
    const { admin: fresh, other, tech } = await people();
    w().admin = fresh;
    await makeTicket(fresh);
    await eventually(async () => {
      const current = (await fresh.get(`/api/webhooks/${webhook.id}`)).json() as Webhook;
      return current.enabled ? undefined : current;
    });
    await eventually(async () => (await deliveries(w(), webhook.id)).every((d) => d.status === "failed"));

    for (const session of [fresh, other]) {
      const notices = await disabledNotices(session, webhook);
      expect(notices, session.user.email).toHaveLength(1);
      expect(notices[0]?.link).toBe("/settings/webhooks");
      expect(notices[0]?.body).toMatch(/failed \(3 days\)\. Last: The endpoint answered 502/);
    }
    expect(await notificationsAbout(tech, { kind: "webhook_disabled" })).toHaveLength(0);
    await fresh.delete(`/api/webhooks/${webhook.id}`);
  });
});
