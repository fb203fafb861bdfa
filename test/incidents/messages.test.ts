import { describe, expect, it } from "vitest";
import type { IncidentMessage, IncidentMessagePreview } from "../../src/shared/incident-messages.js";
import { smsRows, useSmsApp } from "../sms/sms-test-app.js";
import { problemOf, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { uniquePhone } from "../support/factories/customers.js";
import { receiveSms } from "../support/factories/sms.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeStaff, signInAs } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";
import { makeIncident, makeSiteWithCustomers, smsPurposesOfTicket } from "./helpers.js";

const active = { status: "active" };

describe.each(testDatabaseKinds())("One message to everyone an incident affects (%s)", (kind) => {
  const s = useSmsApp(kind);

  const messagesOf = async (incidentId: string): Promise<IncidentMessage[]> => {
    const response = await s().admin.get(`/api/incidents/${incidentId}/messages`);
    expect(response.statusCode).toBe(200);
    return response.json().items;
  };

  it("previews and queues one SMS per distinct number, skipping opted-out, invalid and shared numbers with reasons", async () => {
    const { admin, twilio, t } = s();
    const shared = uniquePhone();
    const other = uniquePhone();
    const { site } = await makeSiteWithCustomers(
      admin,
      [
        { ...active, name: "Ada First", phone: shared },
        { ...active, name: "Ben Second", phone: other },
        { ...active, name: "Cy Shared", phone: shared },
        { ...active, name: "Di Optedout", phone: uniquePhone(), smsOptOut: true },
        { ...active, name: "Ed Nophone", phone: null },
        { status: "lead", name: "Fay Lead", phone: uniquePhone() },
      ],
      { publicName: "North Boulder" },
    );
    const incident = await makeIncident(admin, {
      siteIds: [site.id],
      publicMessage: "A fibre cut; crews are on site.",
      expectedEndAt: "2030-01-15T18:00:00Z",
    });

    const preview = await admin.post(`/api/incidents/${incident.id}/messages/preview`, {
      template: "incident_started",
    });
    expect(preview.statusCode).toBe(200);
    const p = preview.json() as IncidentMessagePreview;
    expect(p).toMatchObject({
      recipients: 2,
      skipped: { opted_out: 1, no_valid_mobile: 1, shared_number: 1 },
      needsBulkRole: false,
      quietHours: { active: false, endsAt: null, mayOverride: true },
    });
    expect(p.sample).toBe(
      "Hi Ada, we know about a problem affecting your service in North Boulder: A fibre cut; crews are on site. Expected back: Tue, Jan 15, 6:00 PM.",
    );
    expect(p.segmentsPerMessage).toBe(1);
    expect(p.totalSegments).toBe(2);

    const custom = await admin.post(`/api/incidents/${incident.id}/messages/preview`, {
      body: "{{incident.title}} for {{customer.firstName}} — {{ticket.number}}",
    });
    expect(custom.statusCode).toBe(422);
    expect(problemOf(custom).code).toBe("incident.message_placeholder_unknown");
    expect((await admin.post(`/api/incidents/${incident.id}/messages`, {})).statusCode).toBe(422);
    expect(
      (await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_started", body: "x" }))
        .statusCode,
    ).toBe(422);

    const sent = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_started" });
    expect(sent.statusCode).toBe(201);
    const send = sent.json() as IncidentMessage;
    expect(send).toMatchObject({ recipients: 2, template: "incident_started", holdUntil: null });
    expect(send.counts.skipped).toBe(3);

    const done = await eventually(async () => {
      const [latest] = await messagesOf(incident.id);
      return latest && latest.counts.sent === 2 ? latest : undefined;
    });
    expect(done.counts).toEqual({ queued: 0, sent: 2, delivered: 0, failed: 0, skipped: 3, cancelled: 0 });
    expect(twilio.messagesTo(shared)).toHaveLength(1);
    expect(twilio.messagesTo(other)).toHaveLength(1);
    expect(twilio.messagesTo(other)[0]?.body).toContain("Hi Ben,");

    // The affected list says who was messaged and where each message stands; the lead was never named.
    const listed = (await admin.get(`/api/incidents/${incident.id}/customers`)).json().items as {
      name: string;
      message: { status: string; at: string } | null;
    }[];
    expect(Object.fromEntries(listed.map((customer) => [customer.name, customer.message?.status ?? null]))).toEqual({
      "Ada First": "sent",
      "Ben Second": "sent",
      "Cy Shared": "skipped",
      "Di Optedout": "skipped",
      "Ed Nophone": "skipped",
    });
    expect(Number.isNaN(Date.parse(listed[0]?.message?.at ?? ""))).toBe(false);

    const rows = await smsRows(admin, { purpose: "incident" });
    const mine = rows.filter(
      (row) => row.customerName && ["Cy Shared", "Di Optedout", "Ed Nophone"].includes(row.customerName),
    );
    expect(mine.map((row) => row.status)).toEqual(["skipped", "skipped", "skipped"]);

    const timeline = (await admin.get(`/api/incidents/${incident.id}/timeline`)).json().items;
    expect(timeline.map((event: { kind: string }) => event.kind)).toContain("message_queued");
    expect(t.app.smsDispatcher).toBeDefined();
  });

  it("needs an admin or an agent for more than 50 recipients (403 for a technician)", async () => {
    const { admin, t } = s();
    const { site } = await makeSiteWithCustomers(
      admin,
      Array.from({ length: 51 }, (_, i) => ({ ...active, name: `Bulk ${i}` })),
    );
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const technician = await signIn(t.app, DEMO_TECH);
    const preview = (
      await technician.post(`/api/incidents/${incident.id}/messages/preview`, { template: "incident_update" })
    ).json() as IncidentMessagePreview;
    expect(preview).toMatchObject({ recipients: 51, needsBulkRole: true });
    const denied = await technician.post(`/api/incidents/${incident.id}/messages`, { template: "incident_update" });
    expect(denied.statusCode).toBe(403);
    expect(problemOf(denied).code).toBe("incident.bulk_message_forbidden");
    expect(await messagesOf(incident.id)).toEqual([]);

    const agentAccount = await makeStaff(admin, { role: "agent" });
    const agent = await signInAs(t.app, agentAccount);
    const allowed = await agent.post(`/api/incidents/${incident.id}/messages`, { template: "incident_update" });
    expect(allowed.statusCode).toBe(201);
    expect(allowed.json().recipients).toBe(51);
  });

  it("holds a maintenance notice for quiet hours, lets an outage message through when asked, and cancels what is unsent", async () => {
    const { admin, twilio, t } = s();
    const saved = await admin.put("/api/sms/quiet-hours", { start: "21:00", end: "08:00" });
    expect(saved.statusCode).toBe(200);
    expect((await admin.put("/api/sms/quiet-hours", { start: "21:00", end: null })).statusCode).toBe(422);
    try {
      t.clock.set("2027-01-10T22:30:00Z");
      const session = await signIn(t.app, { email: "admin@isp.com", password: "admin123" });
      const phone = uniquePhone();
      const { site } = await makeSiteWithCustomers(session, [{ ...active, name: "Quinn Night", phone }]);
      const maintenance = await makeIncident(session, {
        siteIds: [site.id],
        kind: "maintenance",
        title: "Planned work",
      });

      const preview = (
        await session.post(`/api/incidents/${maintenance.id}/messages/preview`, { template: "maintenance_notice" })
      ).json() as IncidentMessagePreview;
      expect(preview.quietHours).toEqual({ active: true, endsAt: "2027-01-11T08:00:00.000Z", mayOverride: false });

      const refused = await session.post(`/api/incidents/${maintenance.id}/messages`, {
        template: "maintenance_notice",
        duringQuietHours: true,
      });
      expect(refused.statusCode).toBe(422);
      expect(problemOf(refused).code).toBe("incident.quiet_hours_maintenance");

      const held = await session.post(`/api/incidents/${maintenance.id}/messages`, { template: "maintenance_notice" });
      expect(held.statusCode).toBe(201);
      expect(held.json().holdUntil).toBe("2027-01-11T08:00:00.000Z");
      // The same template again while the first still waits: 409.
      const again = await session.post(`/api/incidents/${maintenance.id}/messages`, { template: "maintenance_notice" });
      expect(again.statusCode).toBe(409);
      expect(problemOf(again).code).toBe("incident.message_in_progress");

      // An outage message may go at once in quiet hours, when asked.
      const outagePhone = uniquePhone();
      const outageSite = await makeSiteWithCustomers(session, [{ ...active, name: "Olga Outage", phone: outagePhone }]);
      const outage = await makeIncident(session, { siteIds: [outageSite.site.id] });
      const now = await session.post(`/api/incidents/${outage.id}/messages`, {
        template: "incident_started",
        duringQuietHours: true,
      });
      expect(now.statusCode).toBe(201);
      await eventually(async () => twilio.messagesTo(outagePhone).length === 1);
      expect(twilio.messagesTo(phone)).toHaveLength(0);

      // The window opens: the held notice leaves.
      t.clock.set("2027-01-11T08:00:30Z");
      t.app.smsDispatcher?.wake();
      await eventually(async () => twilio.messagesTo(phone).length === 1);

      // A second notice, held again at night, is cancelled before the window opens: nothing leaves.
      t.clock.set("2027-01-11T23:00:00Z");
      const night = await signIn(t.app, { email: "admin@isp.com", password: "admin123" });
      const second = await night.post(`/api/incidents/${maintenance.id}/messages`, { template: "maintenance_notice" });
      expect(second.statusCode).toBe(201);
      const cancel = await night.post(`/api/incidents/${maintenance.id}/messages/${second.json().id}/cancel`);
      expect(cancel.statusCode).toBe(200);
      expect(cancel.json()).toMatchObject({ cancelled: 1, message: { counts: { queued: 0, cancelled: 1 } } });
      expect(cancel.json().message.cancelledAt).not.toBeNull();
      const unknownSend = await night.post(
        `/api/incidents/${maintenance.id}/messages/00000000-0000-4000-8000-000000000000/cancel`,
      );
      expect(unknownSend.statusCode).toBe(404);
      t.clock.set("2027-01-12T08:01:00Z");
      t.app.smsDispatcher?.wake();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(twilio.messagesTo(phone)).toHaveLength(1);
      const timeline = (await signIn(t.app, { email: "admin@isp.com", password: "admin123" }))
        .get(`/api/incidents/${maintenance.id}/timeline`)
        .then((response) => response.json().items.map((event: { kind: string }) => event.kind));
      expect(await timeline).toContain("message_cancelled");
    } finally {
      t.clock.set(new Date());
      const fresh = await signIn(t.app, { email: "admin@isp.com", password: "admin123" });
      await fresh.put("/api/sms/quiet-hours", { start: null, end: null });
    }
  });

  it("answers an affected customer's text once per incident with the public message, and files it on a linked ticket", async () => {
    const { admin, twilio, t } = s();
    const phone = uniquePhone();
    const optedOutPhone = uniquePhone();
    const { site, customers } = await makeSiteWithCustomers(admin, [
      { ...active, name: "Rita Replies", phone },
      { ...active, name: "Otto Optout", phone: optedOutPhone, smsOptOut: true },
    ]);
    const incident = await makeIncident(admin, {
      siteIds: [site.id],
      publicMessage: "Power cut at the tower.",
      expectedEndAt: "2030-01-15T18:00:00Z",
    });

    expect((await receiveSms(t.app, { from: phone, body: "Is the internet down?" })).statusCode).toBe(200);
    expect((await receiveSms(t.app, { from: phone, body: "Still down!" })).statusCode).toBe(200);
    expect((await receiveSms(t.app, { from: optedOutPhone, body: "Hello?" })).statusCode).toBe(200);

    const replies = (await smsRows(admin, { purpose: "incident" })).filter(
      (row) => row.customerId === customers[0]?.id,
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain("Power cut at the tower.");
    expect(replies[0]?.body).toContain("Tue, Jan 15, 6:00 PM");
    const ticketId = replies[0]?.ticketId;
    expect(ticketId).toBeTruthy();
    const ticket = (await admin.get(`/api/tickets/${ticketId}`)).json();
    expect(ticket.incidentId).toBe(incident.id);
    const comments = (await admin.get(`/api/tickets/${ticketId}/comments`)).json();
    const bodies = JSON.stringify(comments);
    expect(bodies).toContain("Still down!");
    await eventually(async () => twilio.messagesTo(phone).some((m) => m.body.includes("Power cut at the tower.")));
    const optedOutReplies = (await smsRows(admin, { purpose: "incident" })).filter(
      (row) => row.customerId === customers[1]?.id,
    );
    expect(optedOutReplies).toEqual([]);
  });

  it("texts no number that opted out on any affected account sharing it, and sends it no automatic answer", async () => {
    const { admin, twilio, t } = s();
    const shared = uniquePhone();
    const other = uniquePhone();
    // The opted-out account is the older one; the newer one on the same number is the one an inbound text matches.
    const { site, customers } = await makeSiteWithCustomers(admin, [
      { ...active, name: "Stella Stopped", phone: shared, smsOptOut: true },
      { ...active, name: "Hank Household", phone: shared },
      { ...active, name: "Ivy Other", phone: other },
    ]);
    const incident = await makeIncident(admin, { siteIds: [site.id], publicMessage: "Fibre cut by the river." });

    const preview = (
      await admin.post(`/api/incidents/${incident.id}/messages/preview`, { template: "incident_update" })
    ).json() as IncidentMessagePreview;
    expect(preview).toMatchObject({ recipients: 1, skipped: { opted_out: 2, no_valid_mobile: 0, shared_number: 0 } });
    const sent = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_update" });
    expect(sent.statusCode).toBe(201);
    await eventually(async () => twilio.messagesTo(other).length === 1);

    expect((await receiveSms(t.app, { from: shared, body: "Any news?" })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(twilio.messagesTo(shared)).toEqual([]);
    const household = (await smsRows(admin, { purpose: "incident" })).filter(
      (row) => row.customerId === customers[1]?.id,
    );
    expect(household.map((row) => [row.status, row.reason])).toEqual([
      ["skipped", `${shared} opted out of SMS (STOP) on another account`],
    ]);
  });

  it("refuses (422) a message that would be cut for some customer, naming whose and the placeholder, in the preview and the send", async () => {
    const { admin } = s();
    const { site } = await makeSiteWithCustomers(admin, [
      { ...active, name: "Al", phone: uniquePhone() },
      { ...active, name: "Bartholomew Longname", phone: uniquePhone() },
    ]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    // 1,581 characters and a name: Al's fits in 1,600, Bartholomew's (20 letters) does not.
    const body = `${"x".repeat(1580)} {{customer.name}}`;

    const preview = await admin.post(`/api/incidents/${incident.id}/messages/preview`, { body });
    expect(preview.statusCode).toBe(422);
    const problem = problemOf(preview);
    expect(problem.code).toBe("incident.message_too_long");
    expect(problem.errors?.[0]?.field).toBe("body");
    expect(problem.detail).toContain("Bartholomew Longname's would be 1601 characters");
    expect(problem.detail).toContain("{{customer.name}} alone fills in 20");

    const sent = await admin.post(`/api/incidents/${incident.id}/messages`, { body });
    expect(sent.statusCode).toBe(422);
    expect(problemOf(sent).code).toBe("incident.message_too_long");
    expect(await messagesOf(incident.id)).toEqual([]);

    const fits = await admin.post(`/api/incidents/${incident.id}/messages/preview`, {
      body: `${"x".repeat(1570)} {{customer.name}}`,
    });
    expect(fits.statusCode).toBe(200);
    expect(fits.json().recipients).toBe(2);
  });

  it("resolving with sendMessage texts everyone affected once, and the resolved tickets get no status SMS", async () => {
    const { admin, twilio, t } = s();
    const phones = [uniquePhone(), uniquePhone()];
    const { site, customers } = await makeSiteWithCustomers(
      admin,
      phones.map((phone, i) => ({ ...active, name: `Res ${i}`, phone })),
    );
    const incident = await makeIncident(admin, { siteIds: [site.id], title: "Tower power cut" });
    const ticket = await makeTicket(admin, { customerId: customers[0]?.id, subject: "No internet" });
    expect(ticket.incidentId).toBe(incident.id);

    const resolved = await admin.post(`/api/incidents/${incident.id}/resolve`, {
      sendMessage: true,
      resolveTickets: true,
      comment: "Power is back.",
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().resolvedTicketIds).toEqual([ticket.id]);
    const sends = await messagesOf(incident.id);
    expect(sends.map((send) => [send.template, send.recipients])).toEqual([["incident_resolved", 2]]);
    for (const phone of phones) {
      await eventually(async () =>
        twilio.messagesTo(phone).some((m) => m.body.includes("Tower power cut is resolved")),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const phone of phones) {
      expect(twilio.messagesTo(phone).filter((m) => m.body.includes("is resolved"))).toHaveLength(1);
    }
    expect(await smsPurposesOfTicket(t.database.handle.db, ticket.id)).toEqual(["ticket_created"]);
    expect((await admin.post(`/api/incidents/${incident.id}/resolve`, { sendMessage: "yes" })).statusCode).toBe(422);
  });

  it("answers 404 for an unknown incident and problem+json for bad ids", async () => {
    const { admin } = s();
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await admin.get(`/api/incidents/${missing}/messages`)).statusCode).toBe(404);
    const notFound = await admin.post(`/api/incidents/${missing}/messages`, { template: "incident_update" });
    expect(problemOf(notFound).code).toBe("incident.not_found");
    expect(problemOf(await admin.get("/api/incidents/nope/messages")).status).toBe(422);
  });
});

const DEMO_TECH = { email: "john@isp.com", password: "tech123" };
