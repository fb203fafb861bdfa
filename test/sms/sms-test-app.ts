import { afterAll, beforeAll, beforeEach } from "vitest";
import type { SmsLog } from "../../src/shared/sms.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp } from "../support/app.js";
import type { DatabaseKind } from "../support/databases.js";
import { eventually, TwilioStandIn } from "../support/twilio-stand-in.js";

export interface SmsTestApp {
  t: TestApp;
  twilio: TwilioStandIn;
  admin: Session;
  john: Session;
}

/** An app whose Twilio is the stand-in (configured, PUBLIC_URL set), with admin and john signed in. */
export function useSmsApp(kind: DatabaseKind, env: Record<string, string> = {}): () => SmsTestApp {
  let current: SmsTestApp | undefined;
  beforeAll(async () => {
    const twilio = await new TwilioStandIn().start();
    const t = await createTestApp(kind, { env: twilio.env(env) });
    current = { t, twilio, admin: await signIn(t.app, DEMO.admin), john: await signIn(t.app, DEMO.john) };
    twilio.reset();
  }, 180_000);
  // Tests move the clock by hours (retry schedules), which ends idle sessions: sign in afresh.
  // And each test starts with a stand-in that has recorded nothing and has no scripted answers.
  beforeEach(async () => {
    if (!current) return;
    current.twilio.reset();
    current.admin = await signIn(current.t.app, DEMO.admin);
    current.john = await signIn(current.t.app, DEMO.john);
  });
  afterAll(async () => {
    await current?.t.close();
    await current?.twilio.stop();
  });
  return () => {
    if (!current) throw new Error("the SMS test app is not ready");
    return current;
  };
}

export async function smsRows(session: Session, query: Record<string, string>): Promise<SmsLog[]> {
  const response = await session.get(`/api/sms?${new URLSearchParams(query)}`);
  if (response.statusCode !== 200) throw new Error(`GET /api/sms: ${response.statusCode} ${response.body}`);
  return response.json().items;
}

export async function smsRow(session: Session, id: string): Promise<SmsLog> {
  const response = await session.get(`/api/sms/${id}`);
  if (response.statusCode !== 200) throw new Error(`GET /api/sms/${id}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Waits until the row reaches one of the statuses (the dispatcher runs in the background). */
export function waitForStatus(session: Session, id: string, ...statuses: SmsLog["status"][]): Promise<SmsLog> {
  return eventually(async () => {
    const row = await smsRow(session, id);
    return statuses.includes(row.status) ? row : undefined;
  });
}

/** Moves time past a retry's due time and lets the dispatcher look at once (instead of its poll). */
export function advanceAndWake(t: TestApp, ms: number): void {
  t.clock.advance(ms);
  t.app.smsDispatcher?.wake();
}

/** The ticket's timeline events (comments left out). */
export async function timelineEvents(session: Session, ticketId: string) {
  const response = await session.get(`/api/tickets/${ticketId}/timeline`);
  if (response.statusCode !== 200) throw new Error(`timeline: ${response.statusCode} ${response.body}`);
  const items = response.json().items as { type: string; kind?: string; data?: Record<string, unknown> | null }[];
  return items.filter((item) => item.type === "event") as { kind: string; data: Record<string, unknown> | null }[];
}
