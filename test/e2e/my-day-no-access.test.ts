import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { VISIT_STATUS_LABELS } from "../../src/shared/labels.js";
import type { SmsLog } from "../../src/shared/sms.js";
import type { TimelineEntry } from "../../src/shared/tickets.js";
import type { UnscheduledTickets, VisitDetail } from "../../src/shared/visits.js";
import { DEMO, type Session, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserAppWithTwilio } from "../support/browser.js";
import { makeCustomer, uniquePhone } from "../support/factories/customers.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeTechnician } from "../support/factories/users.js";
import { eventually } from "../support/twilio-stand-in.js";

const PHONE = { width: 390, height: 844 };
const MINUTE = 60_000;

function sidewaysScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describeBrowser("Couldn't get in, from My day on a technician's phone in Chromium", () => {
  const { h, twilio } = useBrowserAppWithTwilio();

  const visitOf = async (admin: Session, id: string) => {
    const response = await admin.get(`/api/visits/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as VisitDetail;
  };
  const unscheduled = async (admin: Session) => {
    const response = await admin.get("/api/visits/unscheduled?limit=200");
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as UnscheduledTickets).items;
  };

  it("records a visit where nobody was in: the card says so, the customer is asked by SMS to rebook, the ticket waits on the board again", async () => {
    const { app, clock } = h().testApp;
    const admin = await signIn(app, DEMO.admin);
    const suffix = Math.random().toString(36).slice(2, 8);
    const technician = await makeTechnician(admin, { name: `Nell Doorstep ${suffix}` });
    const phone = uniquePhone();
    const customerName = `Greta Lockwood ${suffix}`;
    const customer = await makeCustomer(admin, { name: customerName, phone, street: "7 Gate Ln", city: "Lyons" });
    const ticket = await makeTicket(admin, {
      customerId: customer.id,
      category: "slow_speed",
      subject: "Speeds drop every evening",
      assigneeId: technician.id,
    });
    // Today's window, the technician already at the door (the app's clock is the test's).
    const now = clock.now().getTime();
    const created = await admin.post("/api/visits", {
      ticketId: ticket.id,
      technicianId: technician.id,
      kind: "repair",
      startsAt: new Date(now - 30 * MINUTE).toISOString(),
      endsAt: new Date(now + 90 * MINUTE).toISOString(),
    });
    expect(created.statusCode, created.body).toBe(201);
    const visit = created.json() as VisitDetail;
    // Booked, the ticket is not among those waiting for a visit.
    expect((await unscheduled(admin)).map((item) => item.id)).not.toContain(ticket.id);

    // The technician signs in on the phone and lands on My day.
    const page = await h().newPage({ viewport: PHONE });
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, technician.email, technician.password);
    await page.getByRole("heading", { name: "My day", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/my-day");

    const today = page.getByRole("region", { name: "Today" });
    const card = today.getByRole("article", { name: new RegExp(customerName) });
    await card.getByText(VISIT_STATUS_LABELS.scheduled, { exact: true }).waitFor();
    await card.getByRole("link", { name: ticket.number }).waitFor();
    const bigActions = ["On my way", "Arrived", "Couldn't get in"];
    for (const name of bigActions) await card.getByRole("button", { name, exact: true }).waitFor();
    expect(await sidewaysScroll(page), "My day scrolls sideways at 390 px").toBe(0);

    // Couldn't get in: the dialog says the customer will be texted, and takes a note for the office.
    await card.getByRole("button", { name: "Couldn't get in", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Couldn't get in?" });
    await dialog.getByText(`${customerName} gets an SMS saying you could not get in`).waitFor();
    await dialog
      .getByRole("textbox", { name: "Note (optional)" })
      .fill("Nobody answered the door or the phone; the gate was locked.");
    expect(await sidewaysScroll(page), "the Couldn't get in dialog scrolls sideways at 390 px").toBe(0);
    await dialog.getByRole("button", { name: "Couldn't get in", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("Recorded: couldn't get in").waitFor();

    // The card: the visit's status in the words of the button, the note kept, and no next step to take.
    expect(VISIT_STATUS_LABELS.no_access).toBe("Couldn't get in");
    await card.getByText(VISIT_STATUS_LABELS.no_access, { exact: true }).waitFor();
    await card.getByText("Nobody answered the door or the phone; the gate was locked.").waitFor();
    expect(await card.getByText(VISIT_STATUS_LABELS.scheduled, { exact: true }).count()).toBe(0);
    for (const name of bigActions) {
      expect(await card.getByRole("button", { name, exact: true }).count(), `${name} is still on the card`).toBe(0);
    }
    expect(await card.getByRole("button", { name: "Held up? Send a new ETA" }).count()).toBe(0);
    // Still assigned to the technician and open, the ticket is back in their unscheduled work.
    await page.getByRole("region", { name: "Unscheduled work" }).getByRole("link", { name: ticket.number }).waitFor();
    expect(await sidewaysScroll(page), "My day scrolls sideways at 390 px after the step").toBe(0);

    // The server: the visit ended with no access and the note as its report.
    const after = await visitOf(admin, visit.id);
    expect(after).toMatchObject({
      status: "no_access",
      report: "Nobody answered the door or the phone; the gate was locked.",
    });
    expect(after.finishedAt).not.toBeNull();

    // The ticket's timeline: the step, by the technician, with the note and the SMS it sent.
    const timeline = (await admin.get(`/api/tickets/${ticket.id}/timeline`)).json().items as TimelineEntry[];
    const steps = timeline.filter((entry) => entry.type === "event" && entry.kind === "visit_no_access");
    expect(steps).toHaveLength(1);
    const [step] = steps;
    expect(step).toMatchObject({
      actor: { id: technician.id },
      fromValue: "scheduled",
      toValue: "no_access",
      data: {
        visitId: visit.id,
        note: "Nobody answered the door or the phone; the gate was locked.",
        smsSkipped: null,
      },
    });
    expect(step?.type === "event" && step.data?.smsId).toBeTruthy();

    // The customer's SMS, as Twilio received it: who came, which ticket, reply to rebook.
    const sms = await eventually(async () => twilio.messagesTo(phone).find((m) => m.body.includes("could not get in")));
    expect(sms.body).toBe(
      `Hi Greta, Nell came by for ticket ${ticket.number} but could not get in. Reply to this message to book a new visit.`,
    );
    // Once: beside the "we have opened ticket" SMS of the ticket's creation, no second copy.
    expect(twilio.messagesTo(phone).filter((m) => m.body.includes("could not get in"))).toHaveLength(1);
    const log = await eventually(async () => {
      const response = await admin.get(
        `/api/sms?${new URLSearchParams({ ticketId: ticket.id, purpose: "visit_missed" })}`,
      );
      const rows = response.json().items as SmsLog[];
      return rows.length === 1 && rows[0]?.status === "sent" ? rows : undefined;
    });
    expect(log[0]).toMatchObject({ to: phone, customerId: customer.id, providerSid: sms.sid });

    // The dispatch board's side panel has the ticket again, as one to rebook.
    const waiting = (await unscheduled(admin)).find((item) => item.id === ticket.id);
    expect(waiting).toMatchObject({ number: ticket.number, reason: "rebook", customer: { id: customer.id } });
  }, 60_000);
});
