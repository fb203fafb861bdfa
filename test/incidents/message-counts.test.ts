import { describe, expect, it } from "vitest";
import type { IncidentMessage } from "../../src/shared/incident-messages.js";
import type { IncidentDetail } from "../../src/shared/incidents.js";
import { useSmsApp } from "../sms/sms-test-app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { uniquePhone } from "../support/factories/customers.js";
import { eventually } from "../support/twilio-stand-in.js";
import { makeIncident, makeSiteWithCustomers } from "./helpers.js";

const active = { status: "active" };
const ZERO = { queued: 0, sent: 0, delivered: 0, failed: 0, skipped: 0, cancelled: 0 };

describe.each(testDatabaseKinds())("An incident's message counts on its page (%s)", (kind) => {
  const s = useSmsApp(kind);

  const detailOf = async (incidentId: string): Promise<IncidentDetail> => {
    const response = await s().admin.get(`/api/incidents/${incidentId}`);
    expect(response.statusCode).toBe(200);
    return response.json() as IncidentDetail;
  };
  const sendsOf = async (incidentId: string): Promise<IncidentMessage[]> => {
    const response = await s().admin.get(`/api/incidents/${incidentId}/messages`);
    expect(response.statusCode).toBe(200);
    return response.json().items;
  };
  const sumOf = (sends: IncidentMessage[]) => {
    const total = { ...ZERO };
    for (const send of sends) {
      for (const state of Object.keys(total) as (keyof typeof ZERO)[]) total[state] += send.counts[state];
    }
    return total;
  };

  it("is all zero before any send, and sums every send's counts after sends to N customers", async () => {
    const { admin, twilio } = s();
    const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
    const { site } = await makeSiteWithCustomers(admin, [
      ...phones.map((phone, i) => ({ ...active, name: `Nia Number${i}`, phone })),
      { ...active, name: "Oz Optedout", phone: uniquePhone(), smsOptOut: true },
    ]);
    const quiet = await makeSiteWithCustomers(admin, [{ ...active, name: "Una Untold", phone: uniquePhone() }]);
    const incident = await makeIncident(admin, { siteIds: [site.id] });
    const untouched = await makeIncident(admin, { siteIds: [quiet.site.id] });

    expect(incident.messageCounts).toEqual(ZERO);
    expect((await detailOf(incident.id)).messageCounts).toEqual(ZERO);

    const first = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_started" });
    expect(first.statusCode).toBe(201);
    await eventually(async () => phones.every((phone) => twilio.messagesTo(phone).length === 1));
    const afterFirst = await eventually(async () => {
      const [send] = await sendsOf(incident.id);
      return send && send.counts.queued === 0 ? send : undefined;
    });
    expect(afterFirst.counts).toEqual({ ...ZERO, sent: 3, skipped: 1 });
    expect((await detailOf(incident.id)).messageCounts).toEqual(afterFirst.counts);

    // A second send: the page counts the rows of both, as the two sends' counts add up.
    const second = await admin.post(`/api/incidents/${incident.id}/messages`, { template: "incident_update" });
    expect(second.statusCode).toBe(201);
    const sends = await eventually(async () => {
      const listed = await sendsOf(incident.id);
      return listed.length === 2 && listed.every((send) => send.counts.queued === 0) ? listed : undefined;
    });
    const detail = await detailOf(incident.id);
    expect(detail.messageCounts).toEqual(sumOf(sends));
    expect(detail.messageCounts).toEqual({ ...ZERO, sent: 6, skipped: 2 });

    // Another incident's sends are not this one's.
    expect((await detailOf(untouched.id)).messageCounts).toEqual(ZERO);
  });
});
