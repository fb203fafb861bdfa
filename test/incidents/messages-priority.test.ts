import { describe, expect, it } from "vitest";
import { useSmsApp } from "../sms/sms-test-app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually } from "../support/twilio-stand-in.js";
import { makeIncident, makeSiteWithCustomers } from "./helpers.js";

const RATE = 2;
const MESSAGES = 8;

/**
 * An incident send queues thousands of rows at once; at SMS_RATE_PER_SECOND they take hours. A
 * ticket notification queued after them must not wait for all of them: the dispatcher takes
 * one-off messages first. Kept small: at 2 a second, 8 incident messages take 3.5 s.
 */
describe.each(testDatabaseKinds())("One-off SMS before a big incident send (%s)", (kind) => {
  const s = useSmsApp(kind, { SMS_RATE_PER_SECOND: String(RATE) });

  it("sends a ticket notification queued after an incident send before the send's remaining messages", async () => {
    const { admin, twilio, t } = s();
    const phones = Array.from({ length: MESSAGES }, () => uniquePhone());
    const { site } = await makeSiteWithCustomers(
      admin,
      phones.map((phone, i) => ({ status: "active", name: `Bulk ${i}`, phone })),
    );
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const ticketPhone = uniquePhone();
    const elsewhere = await makeCustomer(admin, { phone: ticketPhone });
    twilio.reset();

    const sent = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_started" });
    expect(sent.statusCode).toBe(201);
    // The test clock stands still: the ticket's message is queued a second after the incident's.
    t.clock.advance(1000);
    await makeTicket(admin, { customerId: elsewhere.id, subject: "Billing question" });

    await eventually(async () => twilio.messages.length >= MESSAGES + 1, 30_000);
    const [ticketMessage] = twilio.messagesTo(ticketPhone);
    expect(ticketMessage).toBeDefined();
    const incidentTimes = phones.map((phone) => twilio.messagesTo(phone)[0]?.at ?? 0);
    const laterIncidentMessages = incidentTimes.filter((at) => at > (ticketMessage?.at ?? Infinity));
    // The first second's slots may already be claimed when the ticket is queued; the rest wait for it.
    expect(laterIncidentMessages.length).toBeGreaterThanOrEqual(MESSAGES - 4);
  }, 60_000);
});
