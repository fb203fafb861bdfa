import { describe, expect, it } from "vitest";
import { smsRows, useSmsApp, waitForStatus } from "../sms/sms-test-app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeComment } from "../support/factories/comments.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, makeTechnician, signInAs } from "../support/factories/users.js";
import { notificationsAbout, setPreferences } from "./helpers.js";

/**
 * Notifications that meet SMS (docs/notifications.md), with Twilio's stand-in: a customer's text
 * tells the ticket's assignee; technicians choose SMS for mentions and how assignments reach
 * them by SMS.
 */
describe.each(testDatabaseKinds())("notifications and SMS (%s)", (kind) => {
  const s = useSmsApp(kind);

  it("sms_reply: a customer's text on their open ticket tells its assignee, once; a ticket the text opens tells nobody", async () => {
    const { admin, t } = s();
    const tech = await makeTechnician(admin);
    const session = await signInAs(t.app, tech);
    const customer = await makeCustomer(admin, { name: "Uma Reyes" });
    const ticket = await makeTicket(admin, { customerId: customer.id, assigneeId: tech.id });
    const answer = await receiveSms(t.app, {
      from: customer.phone as string,
      body: "Still no internet after the reboot",
    });
    expect(answer.statusCode).toBe(200);
    const told = await notificationsAbout(session, { ticketId: ticket.id, kind: "sms_reply" });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      title: `Uma Reyes replied by SMS on ${ticket.number}`,
      body: "Still no internet after the reboot",
      link: `/tickets/${ticket.id}`,
      actor: null,
    });

    const stranger = await makeCustomer(admin);
    expect((await receiveSms(t.app, { from: stranger.phone as string, body: "Hello?" })).statusCode).toBe(200);
    const [opened] = await smsRows(admin, { direction: "inbound", customerId: stranger.id });
    expect(opened?.ticketId).toBeTruthy();
    expect(await notificationsAbout(admin, { ticketId: opened?.ticketId as string })).toEqual([]);
  });

  it("mentions by SMS: a technician who chose it gets the text, one who did not gets none", async () => {
    const { admin, t, twilio } = s();
    const stamp = Date.now();
    const wants = await makeTechnician(admin, { name: `Vera Wants ${stamp}`, phone: uniquePhone() });
    const skips = await makeTechnician(admin, { name: `Walt Skips ${stamp}`, phone: uniquePhone() });
    await setPreferences(await signInAs(t.app, wants), { mentioned: { sms: true } });
    const ticket = await makeTicket(admin, { subject: "Backhaul at 90%" });
    await makeComment(admin, ticket.id, {
      body: `@Vera Wants ${stamp} and @Walt Skips ${stamp}: please check the backhaul before 5.`,
      visibility: "internal",
    });
    const rows = await smsRows(admin, { ticketId: ticket.id, purpose: "ticket_mention" });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ to: wants.phone, userId: wants.id, direction: "outbound" });
    expect(rows[0]?.body).toBe(
      `${admin.user.name} mentioned you on ${ticket.number}: @Vera Wants ${stamp} and @Walt Skips ${stamp}: please check the backhaul before 5.`,
    );
    await waitForStatus(admin, rows[0]?.id as string, "sent");
    expect(twilio.messagesTo(wants.phone as string)).toHaveLength(1);
    expect(twilio.messagesTo(skips.phone as string)).toHaveLength(0);
    // Both are told in the bell all the same.
    expect(await notificationsAbout(await signInAs(t.app, skips), { ticketId: ticket.id })).toHaveLength(1);
  });

  it("assignment SMS as each technician chose: every one (the default), urgent and high only, or none; office staff as before", async () => {
    const { admin } = s();
    const every = await makeTechnician(admin, { phone: uniquePhone() });
    const urgentOnly = await makeTechnician(admin, { phone: uniquePhone() });
    const none = await makeTechnician(admin, { phone: uniquePhone() });
    const agent = await makeStaff(admin, { role: "agent", phone: uniquePhone() });
    const { t } = s();
    await setPreferences(await signInAs(t.app, urgentOnly), { assigned: { smsUrgentOnly: true } });
    await setPreferences(await signInAs(t.app, none), { assigned: { sms: false } });

    const assignedSms = async (assigneeId: string, priority: string) => {
      const ticket = await makeTicket(admin, { assigneeId, priority });
      return smsRows(admin, { ticketId: ticket.id, purpose: "ticket_assigned" });
    };
    expect(await assignedSms(every.id, "low")).toHaveLength(1);
    expect(await assignedSms(urgentOnly.id, "normal")).toHaveLength(0);
    expect(await assignedSms(urgentOnly.id, "high")).toHaveLength(1);
    expect(await assignedSms(urgentOnly.id, "urgent")).toHaveLength(1);
    expect(await assignedSms(none.id, "urgent")).toHaveLength(0);
    expect(await assignedSms(agent.id, "low")).toHaveLength(1);
  });
});
