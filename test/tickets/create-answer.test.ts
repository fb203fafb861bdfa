import { beforeEach, describe, expect, it } from "vitest";
import { DEMO, type Session, signIn, useTestApp } from "../support/app.js";
import { ManualClock } from "../support/clock.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTechnician } from "../support/factories/users.js";
import { makeToken, tokenClient } from "../support/tokens.js";
import { makeCustomerWithPlan } from "./helpers.js";

/**
 * A new ticket's answer is built from what its creation has in hand (the inserted row, the
 * customer and assignee it checked, the signed-in actor) instead of reading the ticket back: it
 * must be exactly what the ticket page then reads.
 */
describe.each(testDatabaseKinds())("a new ticket's answer (%s)", (kind) => {
  const t = useTestApp(kind, { clock: new ManualClock("2026-03-02T09:00:00.000Z") });
  let admin: Session;
  let john: Session;

  beforeEach(async () => {
    admin = await signIn(t().app, DEMO.admin);
    john = await signIn(t().app, DEMO.john);
  });

  const createdAndRead = async (post: () => Promise<{ statusCode: number; json(): unknown }>) => {
    const response = await post();
    expect(response.statusCode).toBe(201);
    const answer = response.json() as { id: string };
    const read = await admin.get(`/api/tickets/${answer.id}`);
    expect(read.statusCode).toBe(200);
    return { answer, read: read.json() };
  };

  it("is the ticket page's data: customer card with plan and address, assignee, creator", async () => {
    const customer = await makeCustomerWithPlan(admin);
    const technician = await makeTechnician(admin);
    const { answer, read } = await createdAndRead(() =>
      john.post("/api/tickets", {
        customerId: customer.id,
        subject: "Slow in the evenings",
        description: "Speed test 3 Mbit/s at 8 pm",
        category: "slow_speed",
        priority: "high",
        assigneeId: technician.id,
      }),
    );
    expect(answer).toEqual(read);
    expect(answer).toMatchObject({
      customer: { id: customer.id, address: expect.stringContaining("12 Main St"), planName: expect.any(String) },
      assignee: { id: technician.id, name: technician.name, active: true },
      createdBy: { id: john.user.id, name: john.user.name, active: true },
    });
  });

  it("is the ticket page's data without a customer or an assignee, and when opened with an API token", async () => {
    const bare = await createdAndRead(() => admin.post("/api/tickets", { subject: "Core switch fan alarm" }));
    expect(bare.answer).toEqual(bare.read);
    expect(bare.answer).toMatchObject({ customer: null, assignee: null });

    const { token } = await makeToken(john, { scopes: ["read", "write"] });
    const client = tokenClient(t().app, token);
    const viaToken = await createdAndRead(() =>
      client.post("/api/tickets", { subject: "Opened by the monitoring system", category: "no_service" }),
    );
    expect(viaToken.answer).toEqual(viaToken.read);
    expect(viaToken.answer).toMatchObject({ createdBy: { id: john.user.id, name: john.user.name } });
  });
});
