import { randomInt } from "node:crypto";
import { sql } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll } from "vitest";
import type { Access } from "../../../src/server/auth/guard.js";
import { type Executor, queryRows } from "../../../src/server/db/client.js";
import type { App } from "../../../src/server/deps.js";
import type { Customer } from "../../../src/shared/customers.js";
import type { UserRole } from "../../../src/shared/enums.js";
import type { SmsLog } from "../../../src/shared/sms.js";
import type { TicketDetail } from "../../../src/shared/tickets.js";
import { WEBHOOK_EVENT_TYPES } from "../../../src/shared/webhooks.js";
import { png, uploadForm } from "../../attachments/files.js";
import type { RegisteredRoute } from "../../http/routes.js";
import { createTestApp, DEMO, type Session, signIn, type TestApp } from "../../support/app.js";
import type { DatabaseKind } from "../../support/databases.js";
import { makeCustomer, uniquePhone } from "../../support/factories/customers.js";
import { makeTicket } from "../../support/factories/tickets.js";
import { eventually, TwilioStandIn } from "../../support/twilio-stand-in.js";
import { SoftAuthenticator } from "../../support/webauthn.js";

/**
 * The attack suite's world: an app whose Twilio is the loopback stand-in (so every SMS route,
 * retry included, can succeed), the three demo staff signed in, and one of every resource, so an
 * attack on a route with a parameter hits a real row and a missing check cannot hide behind 404.
 */
export interface World {
  t: TestApp;
  twilio: TwilioStandIn;
  admin: Session;
  /** An office agent (not a demo account: the world's admin creates it). */
  agent: Session;
  john: Session;
  jane: Session;
  planId: string;
  siteId: string;
  customer: Customer;
  otherCustomer: Customer;
  ticket: TicketDetail;
  otherTicket: TicketDetail;
  sms: SmsLog;
  /** A webhook endpoint (on loopback, which the SSRF guard refuses here) and the delivery of its test event. */
  webhook: { id: string; deliveryId: string };
  /** An active incident on the customer's site. */
  incidentId: string;
  /** A scheduled visit of john's on the ticket. */
  visitId: string;
  /** A photo on the ticket (it has a thumbnail). */
  attachmentId: string;
  /** A backup the admin took (Settings → Backups). */
  backupName: string;
}

let unique = 0;
/** A short token that makes names unique within the run. */
export const nextUnique = () => `${process.pid}-${++unique}-${randomInt(1_000_000)}`;

export function useWorld(kind: DatabaseKind): () => World {
  let world: World | undefined;
  beforeAll(async () => {
    const twilio = await new TwilioStandIn().start();
    // An http PUBLIC_URL: the stand-in is plain http and the cookie tests want both variants.
    const t = await createTestApp(kind, { env: twilio.env({ PUBLIC_URL: "http://uplink.example.test" }) });
    const admin = await signIn(t.app, DEMO.admin);
    const john = await signIn(t.app, DEMO.john);
    const jane = await signIn(t.app, DEMO.jane);
    const agentAccount = { email: `agent-${nextUnique()}@isp.com`, password: "office-agent-pass" };
    await expectCreated(admin.post("/api/users", { name: "Olive Office", role: "agent", ...agentAccount }));
    const agent = await signIn(t.app, agentAccount);
    const plan = await expectCreated(
      admin.post("/api/service-plans", {
        name: `Plan ${nextUnique()}`,
        downloadMbps: 100,
        uploadMbps: 20,
        monthlyPrice: 40,
      }),
    );
    const site = await expectCreated(admin.post("/api/sites", { name: `Tower ${nextUnique()}`, kind: "tower" }));
    const customer = await makeCustomer(admin, { servicePlanId: plan.id, siteId: site.id, street: "1 Main St" });
    const otherCustomer = await makeCustomer(admin);
    const ticket = await makeTicket(admin, { customerId: customer.id, assigneeId: john.user.id });
    const otherTicket = await makeTicket(admin, { customerId: otherCustomer.id });
    const sms = (await expectCreated(admin.post("/api/sms", { ticketId: ticket.id, body: "Hello" }))) as SmsLog;
    const webhook = await expectCreated(
      admin.post("/api/webhooks", { url: "http://127.0.0.1:9/hooks", events: WEBHOOK_EVENT_TYPES }),
    );
    const webhookTest = (await admin.post(`/api/webhooks/${webhook.id}/test`)).json() as { id: string };
    const incident = await expectCreated(
      admin.post("/api/incidents", { title: "Attack outage", kind: "outage", severity: "major", siteIds: [site.id] }),
    );
    const visit = await expectCreated(
      admin.post("/api/visits", {
        ticketId: ticket.id,
        technicianId: john.user.id,
        kind: "repair",
        startsAt: new Date(Date.now() + 72 * 3_600_000).toISOString(),
        endsAt: new Date(Date.now() + 74 * 3_600_000).toISOString(),
        allowOverlap: true,
      }),
    );
    const photo = await expectCreated(
      admin.post(`/api/tickets/${ticket.id}/attachments`, uploadForm(await png(8, 8), "cabinet.png")),
    );
    const backup = await expectCreated(admin.post("/api/backups"));
    world = {
      t,
      twilio,
      admin,
      agent,
      john,
      jane,
      planId: plan.id,
      siteId: site.id,
      customer,
      otherCustomer,
      ticket,
      otherTicket,
      sms,
      webhook: { id: webhook.id, deliveryId: webhookTest.id },
      incidentId: incident.id,
      visitId: visit.id,
      attachmentId: photo.id,
      backupName: String(backup.name),
    };
    await quiesce(world);
  }, 120_000);
  afterAll(async () => {
    await world?.t.close();
    await world?.twilio.stop();
  });
  return () => {
    if (!world) throw new Error("the attack world is not ready");
    return world;
  };
}

export async function expectCreated(
  response: Promise<LightMyRequestResponse>,
): Promise<{ id: string } & Record<string, unknown>> {
  const res = await response;
  if (res.statusCode !== 201 && res.statusCode !== 200)
    throw new Error(`setup request failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Waits until the SMS and webhook dispatchers have nothing in flight, so the database holds still between snapshots. */
export async function quiesce(world: World): Promise<void> {
  await eventually(async () => {
    world.t.app.smsDispatcher?.wake();
    world.t.app.webhookDispatcher.wake();
    const [row] = await queryRows<{ n: number }>(
      world.t.database.handle.db,
      sql`select (select count(*)::int from sms_logs where status in ('queued', 'sending'))
        + (select count(*)::int from webhook_deliveries
           where status = 'sending' or (status = 'pending' and next_attempt_at <= ${world.t.clock.now()})) as n`,
    );
    return row?.n === 0;
  }, 20_000);
}

/** A failed outgoing SMS (Twilio refuses the number for good), the only kind an admin may retry. */
export async function makeFailedSms(world: World): Promise<SmsLog> {
  // Earlier messages still in flight would take the scripted failure.
  await quiesce(world);
  world.twilio.failNext({ kind: "error", status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
  const sms = (await expectCreated(
    world.admin.post("/api/sms", { ticketId: world.ticket.id, body: "Retry me" }),
  )) as SmsLog;
  await quiesce(world);
  const row = (await world.admin.get(`/api/sms/${sms.id}`)).json() as SmsLog;
  if (row.status !== "failed") throw new Error(`expected a failed SMS, got ${row.status}`);
  return row;
}

/** A request the fixture table builds for a route; `as` overrides who sends it (null: nobody). */
export interface AttackRequest {
  url: string;
  /** A JSON body, or a multipart form (an upload: light-my-request writes it with its boundary). */
  body?: Record<string, unknown> | FormData;
  as?: Session | null;
  /** The answer a valid request gets in this world when it is not 2xx (first-run setup, with staff present: 409). */
  expectedStatus?: number;
}

type Fixture = (world: World) => Promise<AttackRequest>;

/**
 * Two-factor fixtures change the sender's own account (an authenticator app, a passkey), so each
 * uses a staff member of its own: the world's staff keep signing in with their password alone.
 */
const twoFactorStaff = async (w: World) => {
  const account = { email: `two-factor-${nextUnique()}@isp.com`, password: "two-factor-pass-1" };
  const user = await expectCreated(w.admin.post("/api/users", { name: "Mia Factor", role: "technician", ...account }));
  return { id: user.id, email: account.email, password: account.password, session: await signIn(w.t.app, account) };
};
/** …with an authenticator app set up and confirmed (its code computed here, at the world's clock). */
const withAuthenticatorApp = async (w: World) => {
  const staff = await twoFactorStaff(w);
  const { secret } = (await staff.session.post("/api/auth/two-factor/totp")).json() as { secret: string };
  await expectCreated(staff.session.post("/api/auth/two-factor/totp/confirm", { code: totpCode(w, secret) }));
  return staff;
};
const totpCode = (w: World, secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret.replace(/\s/g, "")), digits: 6, period: 30 }).generate({
    timestamp: w.t.clock.now().getTime(),
  });
/** The world's PUBLIC_URL: passkeys are bound to it. */
const passkeyAuthenticator = () => new SoftAuthenticator("http://uplink.example.test");
/** A well-formed passkey answer to a challenge the app never gave. */
const strayAssertion = () => ({
  id: "c3RyYXk",
  rawId: "c3RyYXk",
  type: "public-key",
  response: {
    clientDataJSON: Buffer.from(
      JSON.stringify({ type: "webauthn.get", challenge: "bm90LWEtY2hhbGxlbmdl", origin: "http://uplink.example.test" }),
    ).toString("base64url"),
    authenticatorData: "AAAA",
    signature: "AAAA",
  },
  clientExtensionResults: {},
});

/** A visit of john's on the world's ticket, a few days ahead (overlaps confirmed: fixtures pile up). */
const visitBody = (w: World) => {
  const start = Date.now() + (48 + randomInt(1_000)) * 3_600_000;
  return {
    ticketId: w.ticket.id,
    technicianId: w.john.user.id,
    kind: "repair",
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 2 * 3_600_000).toISOString(),
    allowOverlap: true,
  };
};
const makeVisit = async (w: World) =>
  (await expectCreated(w.admin.post("/api/visits", visitBody(w)))) as { id: string; version: number };

const currentVersion = async (session: Session, url: string) => (await session.get(url)).json().version as number;

/** A staff member of the fixture's own (an agent), to sign in and out. */
const throwawayStaff = async (w: World) => {
  const account = { email: `sessions-${nextUnique()}@isp.com`, password: "throwaway-pass-1" };
  const user = await expectCreated(w.admin.post("/api/users", { name: "Sam Session", role: "agent", ...account }));
  return { id: user.id, signIn: () => signIn(w.t.app, account) };
};
/** The public id of the session a client rides on, from its own sessions list. */
const currentSessionId = async (session: Session) =>
  ((await session.get("/api/auth/sessions")).json().items as { id: string; current: boolean }[]).find(
    (item) => item.current,
  )?.id;

/**
 * A valid request for every state-changing /api route, built fresh each time (a fresh customer to
 * archive, the current version to patch). A route missing here fails the suite: add it, and every
 * attack (roles, CSRF, mass assignment) covers it at once.
 */
export const WRITE_FIXTURES: Record<string, Fixture> = {
  "POST /api/auth/login": async () => ({ url: "/api/auth/login", body: { ...DEMO.john }, as: null }),
  "POST /api/auth/logout": async (w) => ({ url: "/api/auth/logout", as: await signIn(w.t.app, DEMO.john) }),
  // The second step needs the pending sign-in's cookie, which a fixture has not: 401, nothing changes.
  "POST /api/auth/login/second-factor": async () => ({
    url: "/api/auth/login/second-factor",
    body: { method: "totp", code: "123456" },
    as: null,
    expectedStatus: 401,
  }),
  "POST /api/auth/login/second-factor/passkey-options": async () => ({
    url: "/api/auth/login/second-factor/passkey-options",
    as: null,
    expectedStatus: 401,
  }),
  "POST /api/auth/login/second-factor/passkey": async () => ({
    url: "/api/auth/login/second-factor/passkey",
    body: { response: strayAssertion() },
    as: null,
    expectedStatus: 401,
  }),
  "POST /api/auth/login/passkey-options": async () => ({ url: "/api/auth/login/passkey-options", as: null }),
  // A signed answer to a challenge the app never gave: 400, nothing changes.
  "POST /api/auth/login/passkey": async () => ({
    url: "/api/auth/login/passkey",
    body: { response: strayAssertion() },
    as: null,
    expectedStatus: 400,
  }),
  "POST /api/auth/two-factor/totp": async (w) => ({
    url: "/api/auth/two-factor/totp",
    as: (await twoFactorStaff(w)).session,
  }),
  "POST /api/auth/two-factor/totp/confirm": async (w) => {
    const staff = await twoFactorStaff(w);
    const { secret } = (await staff.session.post("/api/auth/two-factor/totp")).json() as { secret: string };
    return { url: "/api/auth/two-factor/totp/confirm", body: { code: totpCode(w, secret) }, as: staff.session };
  },
  "DELETE /api/auth/two-factor/totp": async (w) => {
    const staff = await withAuthenticatorApp(w);
    return { url: "/api/auth/two-factor/totp", body: { password: staff.password }, as: staff.session };
  },
  "POST /api/auth/two-factor/recovery-codes": async (w) => {
    const staff = await withAuthenticatorApp(w);
    return { url: "/api/auth/two-factor/recovery-codes", body: { password: staff.password }, as: staff.session };
  },
  "POST /api/auth/two-factor/passkeys/options": async () => ({ url: "/api/auth/two-factor/passkeys/options" }),
  "POST /api/auth/two-factor/passkeys": async (w) => {
    const staff = await twoFactorStaff(w);
    const options = (await staff.session.post("/api/auth/two-factor/passkeys/options")).json();
    return {
      url: "/api/auth/two-factor/passkeys",
      body: { name: "Work laptop", response: passkeyAuthenticator().register(options) },
      as: staff.session,
    };
  },
  "DELETE /api/auth/two-factor/passkeys/:id": async (w) => {
    const staff = await twoFactorStaff(w);
    const options = (await staff.session.post("/api/auth/two-factor/passkeys/options")).json();
    const added = await expectCreated(
      staff.session.post("/api/auth/two-factor/passkeys", {
        name: "Old phone",
        response: passkeyAuthenticator().register(options),
      }),
    );
    const { id } = added.passkey as { id: string };
    return { url: `/api/auth/two-factor/passkeys/${id}`, body: { password: staff.password }, as: staff.session };
  },
  "PUT /api/auth/two-factor/policy": async () => ({ url: "/api/auth/two-factor/policy", body: { policy: "off" } }),
  "POST /api/users/:id/two-factor/reset": async (w) => ({
    url: `/api/users/${(await withAuthenticatorApp(w)).id}/two-factor/reset`,
  }),
  "POST /api/users": async () => ({
    url: "/api/users",
    body: {
      name: "New Tech",
      email: `tech-${nextUnique()}@isp.com`,
      role: "technician",
      password: "a-long-password-1",
    },
  }),
  // The world has an admin, so setup is over: a valid setup request is refused with 409 and changes nothing.
  "POST /api/setup": async () => ({
    url: "/api/setup",
    body: {
      token: "a".repeat(43),
      name: "First Admin",
      email: `first-${nextUnique()}@isp.com`,
      password: "first-admin-1",
    },
    as: null,
    expectedStatus: 409,
  }),
  "PATCH /api/users/me": async () => ({ url: "/api/users/me", body: { name: `Renamed ${nextUnique()}` } }),
  "PATCH /api/users/:id": async (w) => ({ url: `/api/users/${w.jane.user.id}`, body: { name: "Jane Tech" } }),
  "POST /api/service-plans": async () => ({
    url: "/api/service-plans",
    body: { name: `Plan ${nextUnique()}`, downloadMbps: 50, uploadMbps: 10, monthlyPrice: 30 },
  }),
  "PATCH /api/service-plans/:id": async (w) => ({
    url: `/api/service-plans/${w.planId}`,
    body: { name: `Plan ${nextUnique()}` },
  }),
  "DELETE /api/service-plans/:id": async (w) => {
    const plan = await expectCreated(
      w.admin.post("/api/service-plans", {
        name: `Plan ${nextUnique()}`,
        downloadMbps: 5,
        uploadMbps: 1,
        monthlyPrice: 9,
      }),
    );
    return { url: `/api/service-plans/${plan.id}` };
  },
  "POST /api/sites": async () => ({ url: "/api/sites", body: { name: `Site ${nextUnique()}`, kind: "pop" } }),
  "PATCH /api/sites/:id": async (w) => ({ url: `/api/sites/${w.siteId}`, body: { notes: `Notes ${nextUnique()}` } }),
  "DELETE /api/sites/:id": async (w) => {
    const site = await expectCreated(w.admin.post("/api/sites", { name: `Site ${nextUnique()}`, kind: "cabinet" }));
    return { url: `/api/sites/${site.id}` };
  },
  "POST /api/sms": async (w) => ({ url: "/api/sms", body: { ticketId: w.ticket.id, body: `Update ${nextUnique()}` } }),
  "POST /api/sms/:id/retry": async (w) => ({ url: `/api/sms/${(await makeFailedSms(w)).id}/retry` }),
  "PUT /api/sms/templates/:purpose": async () => ({
    url: "/api/sms/templates/manual",
    body: { body: `Hi {{customer.name}} ${nextUnique()}` },
  }),
  "DELETE /api/sms/templates/:purpose": async () => ({ url: "/api/sms/templates/manual" }),
  "POST /api/customers": async () => ({
    url: "/api/customers",
    body: { name: `Customer ${nextUnique()}`, phone: uniquePhone() },
  }),
  "POST /api/customers/import": async () => ({
    url: "/api/customers/import",
    body: { csv: `name,phone\nImported ${nextUnique()},${uniquePhone()}\n` },
  }),
  "PATCH /api/customers/:id": async (w) => ({
    url: `/api/customers/${w.customer.id}`,
    body: { notes: `Notes ${nextUnique()}`, version: await currentVersion(w.admin, `/api/customers/${w.customer.id}`) },
  }),
  "DELETE /api/customers/:id": async (w) => ({ url: `/api/customers/${(await makeCustomer(w.admin)).id}` }),
  "POST /api/customers/:id/restore": async (w) => {
    const customer = await makeCustomer(w.admin);
    await expectCreated(w.admin.delete(`/api/customers/${customer.id}`));
    return { url: `/api/customers/${customer.id}/restore` };
  },
  "POST /api/tickets": async (w) => ({
    url: "/api/tickets",
    body: { subject: `Ticket ${nextUnique()}`, customerId: w.customer.id },
  }),
  "POST /api/tickets/bulk": async (w) => ({
    url: "/api/tickets/bulk",
    body: { ids: [w.otherTicket.id], priority: (["low", "normal", "high"] as const)[randomInt(3)] },
  }),
  "PUT /api/tickets/sla-hours": async () => ({
    url: "/api/tickets/sla-hours",
    body: { urgent: 4, high: 8, normal: 24, low: 72 },
  }),
  "PUT /api/tickets/sla-settings": async (w) => ({
    url: "/api/tickets/sla-settings",
    body: (await w.admin.get("/api/tickets/sla-settings")).json(),
  }),
  "PATCH /api/tickets/:id": async (w) => ({
    url: `/api/tickets/${w.ticket.id}`,
    body: { subject: `Subject ${nextUnique()}`, version: await currentVersion(w.admin, `/api/tickets/${w.ticket.id}`) },
  }),
  "POST /api/tokens": async () => ({ url: "/api/tokens", body: { name: `Token ${nextUnique()}`, scopes: ["read"] } }),
  // The agent's token: the agent (its owner) and admins (anyone's) may revoke it.
  "DELETE /api/tokens/:id": async (w) => {
    const token = await expectCreated(
      w.admin.post("/api/tokens", { name: `Token ${nextUnique()}`, scopes: ["read"], userId: w.agent.user.id }),
    );
    return { url: `/api/tokens/${token.id}` };
  },
  "POST /api/webhooks": async () => ({
    url: "/api/webhooks",
    body: { url: `https://hooks.example.test/${nextUnique()}`, events: ["ticket.created"] },
  }),
  "PATCH /api/webhooks/:id": async (w) => ({
    url: `/api/webhooks/${w.webhook.id}`,
    body: { description: `Hooks ${nextUnique()}` },
  }),
  "DELETE /api/webhooks/:id": async (w) => {
    const webhook = await expectCreated(
      w.admin.post("/api/webhooks", { url: "https://hooks.example.test/gone", events: ["sms.failed"] }),
    );
    return { url: `/api/webhooks/${webhook.id}` };
  },
  "POST /api/webhooks/:id/rotate-secret": async (w) => ({ url: `/api/webhooks/${w.webhook.id}/rotate-secret` }),
  "POST /api/webhooks/:id/test": async (w) => ({ url: `/api/webhooks/${w.webhook.id}/test` }),
  "POST /api/incidents": async (w) => ({
    url: "/api/incidents",
    body: { title: `Outage ${nextUnique()}`, kind: "outage", severity: "minor", siteIds: [w.siteId] },
  }),
  "PATCH /api/incidents/:id": async (w) => ({
    url: `/api/incidents/${w.incidentId}`,
    body: {
      publicMessage: `Update ${nextUnique()}`,
      version: await currentVersion(w.admin, `/api/incidents/${w.incidentId}`),
    },
  }),
  "POST /api/incidents/:id/tickets": async (w) => ({
    url: `/api/incidents/${w.incidentId}/tickets`,
    body: { ticketId: (await makeTicket(w.admin, {})).id },
  }),
  "DELETE /api/incidents/:id/tickets/:ticketId": async (w) => {
    const ticket = await makeTicket(w.admin, {});
    await expectCreated(w.admin.post(`/api/incidents/${w.incidentId}/tickets`, { ticketId: ticket.id }));
    return { url: `/api/incidents/${w.incidentId}/tickets/${ticket.id}` };
  },
  "POST /api/incidents/:id/resolve": async (w) => {
    const incident = await expectCreated(
      w.admin.post("/api/incidents", {
        title: `To resolve ${nextUnique()}`,
        kind: "outage",
        severity: "minor",
        siteIds: [w.siteId],
      }),
    );
    return { url: `/api/incidents/${incident.id}/resolve`, body: { resolveTickets: false } };
  },
  "POST /api/integrations/alertmanager": async (w) => ({
    url: "/api/integrations/alertmanager",
    body: {
      version: "4",
      groupKey: "{}:{}",
      status: "firing",
      receiver: "uplink",
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://alertmanager.example:9093",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "TowerDown", site: w.siteId },
          annotations: {},
          fingerprint: `attack-${nextUnique()}`,
        },
      ],
    },
  }),
  "POST /api/integrations/alerts": async (w) => ({
    url: "/api/integrations/alerts",
    body: { site: w.siteId, status: "firing", fingerprint: `attack-${nextUnique()}`, summary: "Tower down" },
  }),
  "POST /api/webhooks/:id/deliveries/:deliveryId/redeliver": async (w) => ({
    url: `/api/webhooks/${w.webhook.id}/deliveries/${w.webhook.deliveryId}/redeliver`,
  }),
  "POST /api/tickets/:id/comments": async (w) => ({
    url: `/api/tickets/${w.ticket.id}/comments`,
    body: { body: `Comment ${nextUnique()}` },
  }),
  "PUT /api/sms/quiet-hours": async () => ({ url: "/api/sms/quiet-hours", body: { start: null, end: null } }),
  "POST /api/visits": async (w) => ({ url: "/api/visits", body: visitBody(w) }),
  "POST /api/tickets/:id/attachments": async (w) => ({
    url: `/api/tickets/${w.ticket.id}/attachments`,
    body: uploadForm(await png(6, 6), `photo-${nextUnique()}.png`, { type: "image/png" }),
  }),
  "DELETE /api/attachments/:id": async (w) => {
    const photo = await expectCreated(
      w.admin.post(`/api/tickets/${w.ticket.id}/attachments`, uploadForm(await png(4, 4), "to-delete.png")),
    );
    return { url: `/api/attachments/${photo.id}` };
  },
  "PATCH /api/visits/:id": async (w) => {
    const visit = await makeVisit(w);
    return { url: `/api/visits/${visit.id}`, body: { notes: `Gate code ${nextUnique()}`, version: visit.version } };
  },
  "POST /api/visits/:id/en-route": async (w) => ({
    url: `/api/visits/${(await makeVisit(w)).id}/en-route`,
    body: { etaMinutes: 30 },
  }),
  "POST /api/visits/:id/arrived": async (w) => ({
    url: `/api/visits/${(await makeVisit(w)).id}/arrived`,
    body: { position: { latitude: 40.01, longitude: -105.27, accuracy: 15 } },
  }),
  "POST /api/visits/:id/complete": async (w) => ({
    url: `/api/visits/${(await makeVisit(w)).id}/complete`,
    body: { report: "Re-aimed the dish" },
  }),
  "POST /api/visits/:id/no-access": async (w) => ({
    url: `/api/visits/${(await makeVisit(w)).id}/no-access`,
    body: { note: "Nobody home" },
  }),
  "POST /api/visits/:id/cancel": async (w) => ({
    url: `/api/visits/${(await makeVisit(w)).id}/cancel`,
    body: { reason: "Customer away" },
  }),
  // A notification of the agent's (a ticket assigned to them), marked read by the agent: only its
  // owner may, anyone else gets 404.
  "POST /api/notifications/:id/read": async (w) => {
    await makeTicket(w.admin, { assigneeId: w.agent.user.id });
    const [latest] = (await w.agent.get("/api/notifications?limit=1")).json().items as { id: number }[];
    if (!latest) throw new Error("the agent has no notification");
    return { url: `/api/notifications/${latest.id}/read`, as: w.agent };
  },
  "POST /api/notifications/read-all": async () => ({ url: "/api/notifications/read-all" }),
  "PUT /api/notifications/preferences": async () => ({
    url: "/api/notifications/preferences",
    body: { kinds: { incident_opened: { browser: randomInt(2) === 1 } } },
  }),
  // A report changes no table: it goes to the instances' memory through NOTIFY.
  "POST /api/presence": async (w) => ({
    url: "/api/presence",
    body: { resource: `ticket:${w.ticket.id}`, state: "viewing", streamId: `attack-${nextUnique()}` },
  }),
  // Whoever sends it gets (or loses) their own feed.
  "POST /api/calendar-feed": async () => ({ url: "/api/calendar-feed" }),
  // A real dump each time (docs/operations.md); it changes no row.
  "POST /api/backups": async () => ({ url: "/api/backups" }),
  "DELETE /api/calendar-feed": async () => ({ url: "/api/calendar-feed" }),
  // Sessions (docs/security.md): each fixture signs in a throwaway staff member, so ending
  // sessions never signs out the world's own staff.
  "DELETE /api/auth/sessions/:id": async (w) => {
    const account = await throwawayStaff(w);
    const other = await account.signIn();
    const caller = await account.signIn();
    return { url: `/api/auth/sessions/${await currentSessionId(other)}`, as: caller };
  },
  "POST /api/auth/sessions/end-others": async (w) => {
    const account = await throwawayStaff(w);
    await account.signIn();
    return { url: "/api/auth/sessions/end-others", as: await account.signIn() };
  },
  "DELETE /api/users/:id/sessions": async (w) => {
    const account = await throwawayStaff(w);
    await account.signIn();
    return { url: `/api/users/${account.id}/sessions` };
  },
  "DELETE /api/users/:id/sessions/:sessionId": async (w) => {
    const account = await throwawayStaff(w);
    const session = await account.signIn();
    return { url: `/api/users/${account.id}/sessions/${await currentSessionId(session)}` };
  },
  "POST /api/incidents/:id/messages/preview": async (w) => ({
    url: `/api/incidents/${w.incidentId}/messages/preview`,
    body: { template: "incident_update" },
  }),
  // A custom text each time: the same text again while the last is still queued would be a 409.
  "POST /api/incidents/:id/messages": async (w) => ({
    url: `/api/incidents/${w.incidentId}/messages`,
    body: { body: `Update ${nextUnique()}: {{incident.publicMessage}}` },
  }),
  "POST /api/incidents/:id/messages/:sendId/cancel": async (w) => {
    const send = await expectCreated(
      w.admin.post(`/api/incidents/${w.incidentId}/messages`, { body: `To cancel ${nextUnique()}` }),
    );
    return { url: `/api/incidents/${w.incidentId}/messages/${send.id}/cancel` };
  },
};

/**
 * Real requests for the sign-in's second step and password-less passkeys, which ride on a pending
 * sign-in's cookie (or a signed challenge) the fixture table cannot carry: by operationId, each
 * from a fresh staff member with a passkey and recovery codes (the OpenAPI contract test's examples).
 */
export const TWO_FACTOR_SIGN_IN_EXAMPLES: Record<
  string,
  (w: World) => Promise<{ url: string; as: null; body?: Record<string, unknown>; cookie?: string }>
> = {
  completeSignInWithCode: async (w) => {
    const { cookie, recoveryCodes } = await pendingSignIn(w);
    const url = "/api/auth/login/second-factor";
    return { url, as: null, body: { method: "recovery_code", code: recoveryCodes[0] }, cookie };
  },
  startSecondFactorPasskey: async (w) => {
    const url = "/api/auth/login/second-factor/passkey-options";
    return { url, as: null, cookie: (await pendingSignIn(w)).cookie };
  },
  completeSignInWithPasskey: async (w) => {
    const { cookie, authenticator } = await pendingSignIn(w);
    const options = (
      await w.t.app.inject({
        method: "POST",
        url: "/api/auth/login/second-factor/passkey-options",
        headers: { cookie },
      })
    ).json();
    const url = "/api/auth/login/second-factor/passkey";
    return { url, as: null, body: { response: authenticator.assert(options) }, cookie };
  },
  signInWithPasskey: async (w) => {
    const { authenticator } = await pendingSignIn(w);
    const options = (await w.t.app.inject({ method: "POST", url: "/api/auth/login/passkey-options" })).json();
    const url = "/api/auth/login/passkey";
    return { url, as: null, body: { response: authenticator.assert(options) } };
  },
};

/** A staff member with a passkey (and so recovery codes), past the password step: the pending sign-in's cookie. */
async function pendingSignIn(w: World) {
  const staff = await twoFactorStaff(w);
  const authenticator = passkeyAuthenticator();
  const options = (await staff.session.post("/api/auth/two-factor/passkeys/options")).json();
  const added = await expectCreated(
    staff.session.post("/api/auth/two-factor/passkeys", { name: "Phone", response: authenticator.register(options) }),
  );
  const password = await w.t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: staff.email, password: staff.password },
  });
  const pending = password.cookies.find((c) => c.name === "uplink_pending_login");
  if (password.statusCode !== 202 || !pending)
    throw new Error(`no pending sign-in: ${password.statusCode} ${password.body}`);
  return {
    cookie: `uplink_pending_login=${pending.value}`,
    authenticator,
    recoveryCodes: added.recoveryCodes as string[],
  };
}

/** A concrete URL for a GET route: each parameter filled with a real row of the world. */
export function readUrl(route: RegisteredRoute, w: World): string {
  const idFor: [RegExp, string][] = [
    [/^\/api\/users\//, w.jane.user.id],
    [/^\/api\/service-plans\//, w.planId],
    [/^\/api\/sites\//, w.siteId],
    [/^\/api\/sms\/templates\//, "ticket_created"],
    [/^\/api\/sms\//, w.sms.id],
    [/^\/api\/customers\//, w.customer.id],
    [/^\/api\/tickets\//, w.ticket.id],
    [/^\/api\/webhooks\//, w.webhook.id],
    [/^\/api\/incidents\//, w.incidentId],
    [/^\/api\/visits\//, w.visitId],
    [/^\/api\/attachments\//, w.attachmentId],
    [/^\/api\/backups\//, w.backupName],
  ];
  if (route.pattern === "/api/presence") return `/api/presence?resource=ticket:${w.ticket.id}`;
  // The visit list needs a window, a ticket or a customer.
  if (route.pattern === "/api/visits") return `/api/visits?ticketId=${w.ticket.id}`;
  const id = idFor.find(([prefix]) => prefix.test(route.pattern))?.[1];
  if (route.pattern.includes(":") && !id) throw new Error(`no world row for ${route.pattern}: add one to readUrl`);
  return route.pattern.replace(/:[A-Za-z0-9_]+/g, id ?? "").replace(/\*$/, "index.html");
}

export const routeName = (route: { method: string; pattern: string }) => `${route.method} ${route.pattern}`;

/** The access the guard enforces on a route, from the app's own registry. */
export function accessOf(app: App, route: { method: string; pattern: string }): Access {
  // A plugin's "/" under a prefix registers once and answers both "/prefix" and "/prefix/".
  const access = app.routeAccess.get(routeName(route)) ?? app.routeAccess.get(routeName(route).replace(/(.)\/$/, "$1"));
  if (!access) throw new Error(`${routeName(route)} is not in app.routeAccess`);
  return access;
}

export const allows = (access: Access, role: UserRole) =>
  access === "public" || access === "user" || access.includes(role);

const ALL: readonly UserRole[] = ["admin", "agent", "technician"];
/** Office work beyond the field's: admins and office agents. */
const OFFICE: readonly UserRole[] = ["admin", "agent"];
const ADMIN: readonly UserRole[] = ["admin"];

/**
 * Who may call every /api route (HEAD goes with GET), by role: the role table of the README
 * ("Roles") as the guard must enforce it. Admins: everything. Office agents: everything on
 * customers (but archive/restore), tickets and SMS (retries included), no staff, plans, sites,
 * templates or SLA settings. Technicians: field work, no imports or SMS retries. A new route must
 * be added here; the suite compares this table with the app's own registry.
 */
export const ROLE_TABLE: Record<string, "public" | readonly UserRole[]> = {
  "GET /api/openapi.json": "public",
  "POST /api/auth/login": "public",
  "POST /api/auth/logout": "public",
  "GET /api/auth/me": "public",
  "GET /api/setup": "public",
  "POST /api/setup": "public",
  // Two-factor sign-in (docs/security.md): the second step and password-less passkeys are public
  // (the pending sign-in's cookie or the passkey is the credential); one's own factors for every
  // staff member; the policy and a reset for admins.
  "POST /api/auth/login/second-factor": "public",
  "POST /api/auth/login/second-factor/passkey-options": "public",
  "POST /api/auth/login/second-factor/passkey": "public",
  "POST /api/auth/login/passkey-options": "public",
  "POST /api/auth/login/passkey": "public",
  "GET /api/auth/two-factor": ALL,
  "POST /api/auth/two-factor/totp": ALL,
  "POST /api/auth/two-factor/totp/confirm": ALL,
  "DELETE /api/auth/two-factor/totp": ALL,
  "POST /api/auth/two-factor/recovery-codes": ALL,
  "POST /api/auth/two-factor/passkeys/options": ALL,
  "POST /api/auth/two-factor/passkeys": ALL,
  "DELETE /api/auth/two-factor/passkeys/:id": ALL,
  "GET /api/auth/two-factor/policy": ADMIN,
  "PUT /api/auth/two-factor/policy": ADMIN,
  "POST /api/users/:id/two-factor/reset": ADMIN,

  "GET /api/users": ALL,
  "GET /api/users/:id": ALL,
  "PATCH /api/users/me": ALL,
  "POST /api/users": ADMIN,
  "PATCH /api/users/:id": ADMIN,

  "GET /api/service-plans": ALL,
  "GET /api/service-plans/:id": ALL,
  "POST /api/service-plans": ADMIN,
  "PATCH /api/service-plans/:id": ADMIN,
  "DELETE /api/service-plans/:id": ADMIN,

  "GET /api/sites": ALL,
  "GET /api/sites/:id": ALL,
  "POST /api/sites": ADMIN,
  "PATCH /api/sites/:id": ADMIN,
  "DELETE /api/sites/:id": ADMIN,

  "GET /api/customers": ALL,
  "GET /api/customers/export.csv": ALL,
  "GET /api/customers/:id": ALL,
  "POST /api/customers": ALL,
  "PATCH /api/customers/:id": ALL,
  "POST /api/customers/import": OFFICE,
  "DELETE /api/customers/:id": ADMIN,
  "POST /api/customers/:id/restore": ADMIN,

  "GET /api/tickets": ALL,
  "POST /api/tickets": ALL,
  "POST /api/tickets/bulk": ALL,
  "GET /api/tickets/:id": ALL,
  "PATCH /api/tickets/:id": ALL,
  "GET /api/tickets/:id/comments": ALL,
  "POST /api/tickets/:id/comments": ALL,
  "GET /api/tickets/:id/timeline": ALL,
  "GET /api/tickets/sla-hours": ALL,
  "PUT /api/tickets/sla-hours": ADMIN,
  "GET /api/tickets/sla-settings": ALL,
  "PUT /api/tickets/sla-settings": ADMIN,
  "GET /api/customers/:id/site-tickets": ALL,
  "GET /api/customers/:id/incidents": ALL,

  "GET /api/sms": ALL,
  "POST /api/sms": ALL,
  "GET /api/sms/status": ALL,
  "GET /api/sms/:id": ALL,
  "POST /api/sms/:id/retry": OFFICE,
  "GET /api/sms/templates": ALL,
  "PUT /api/sms/templates/:purpose": ADMIN,
  "DELETE /api/sms/templates/:purpose": ADMIN,
  "GET /api/sms/quiet-hours": ALL,
  "PUT /api/sms/quiet-hours": ADMIN,

  "GET /api/dashboard": ALL,

  // Outbound webhooks: admins only.
  "GET /api/webhooks": ADMIN,
  "POST /api/webhooks": ADMIN,
  "GET /api/webhooks/:id": ADMIN,
  "PATCH /api/webhooks/:id": ADMIN,
  "DELETE /api/webhooks/:id": ADMIN,
  "POST /api/webhooks/:id/rotate-secret": ADMIN,
  "GET /api/webhooks/:id/deliveries": ADMIN,
  "POST /api/webhooks/:id/deliveries/:deliveryId/redeliver": ADMIN,
  "POST /api/webhooks/:id/test": ADMIN,

  // Incidents: any staff role may open and update them (docs/incidents.md).
  "GET /api/incidents": ALL,
  "POST /api/incidents": ALL,
  "GET /api/incidents/:id": ALL,
  "PATCH /api/incidents/:id": ALL,
  "GET /api/incidents/:id/timeline": ALL,
  "GET /api/incidents/:id/customers": ALL,
  "GET /api/incidents/:id/map": ALL,
  // Messaging everyone affected: any staff role; above 50 recipients the service asks for an admin or agent.
  "POST /api/incidents/:id/messages/preview": ALL,
  "POST /api/incidents/:id/messages": ALL,
  "GET /api/incidents/:id/messages": ALL,
  "POST /api/incidents/:id/messages/:sendId/cancel": ALL,
  "POST /api/incidents/:id/tickets": ALL,
  "DELETE /api/incidents/:id/tickets/:ticketId": ALL,
  "POST /api/incidents/:id/resolve": ALL,
  "GET /api/incidents/suggestions": ALL,
  // Alerts from monitoring: a write-scope token of any staff role (docs/integrations-alerts.md).
  "POST /api/integrations/alertmanager": ALL,
  "POST /api/integrations/alerts": ALL,

  // Visits: any staff role; the service lets a technician plan and step only their own (docs/field-work.md).
  // Photos and files on tickets: any staff role adds and views them; deleting is for admins.
  "POST /api/tickets/:id/attachments": ALL,
  "GET /api/tickets/:id/attachments": ALL,
  "GET /api/attachments/:id": ALL,
  "GET /api/attachments/:id/thumbnail": ALL,
  "DELETE /api/attachments/:id": ADMIN,

  "GET /api/visits": ALL,
  "GET /api/visits/my-day": ALL,
  "GET /api/visits/today": ALL,
  "GET /api/visits/unscheduled": OFFICE,
  "POST /api/visits": ALL,
  "GET /api/visits/:id": ALL,
  "PATCH /api/visits/:id": ALL,
  "POST /api/visits/:id/en-route": ALL,
  "POST /api/visits/:id/arrived": ALL,
  "POST /api/visits/:id/complete": ALL,
  "POST /api/visits/:id/no-access": ALL,
  "POST /api/visits/:id/cancel": ALL,

  // The live stream and presence (docs/live.md): every staff role, each sees what it may read anyway.
  "GET /api/events": ALL,
  "POST /api/presence": ALL,
  "GET /api/presence": ALL,

  // Each staff member their own; admins anyone's (the service checks ownership). Session only.
  "GET /api/tokens": ALL,
  "POST /api/tokens": ALL,
  "DELETE /api/tokens/:id": ALL,

  // Each staff member's own bell (docs/notifications.md); the mention autocomplete's staff list.
  "GET /api/notifications": ALL,
  "POST /api/notifications/:id/read": ALL,
  "POST /api/notifications/read-all": ALL,
  // Backups of the whole database (docs/operations.md): admins only.
  "GET /api/backups": ADMIN,
  "POST /api/backups": ADMIN,
  "GET /api/backups/:name": ADMIN,
  "GET /api/notifications/preferences": ALL,
  "PUT /api/notifications/preferences": ALL,
  "GET /api/users/mentionable": ALL,

  // One's own calendar feed address (docs/field-work.md): any staff, session only. The feed itself,
  // GET /ical/:token.ics, is public outside /api (its token is the credential).
  "GET /api/calendar-feed": ALL,
  "POST /api/calendar-feed": ALL,
  "DELETE /api/calendar-feed": ALL,

  // Where one is signed in (docs/security.md): everyone their own; admins anyone's. Session only.
  "GET /api/auth/sessions": ALL,
  "DELETE /api/auth/sessions/:id": ALL,
  "POST /api/auth/sessions/end-others": ALL,
  "GET /api/users/:id/sessions": ADMIN,
  "DELETE /api/users/:id/sessions": ADMIN,
  "DELETE /api/users/:id/sessions/:sessionId": ADMIN,

  // The audit log (docs/audit.md): admins only (an admin-scope token may read it).
  "GET /api/audit": ADMIN,
  "GET /api/audit/export.csv": ADMIN,
};

/**
 * Routes an API token may never call, whatever its scopes (`config.sessionOnly`): signing in and
 * out, setup, one's own profile and password, and the tokens themselves (a leaked token must not
 * mint another or outlive its revocation).
 */
export const SESSION_ONLY_ROUTES: readonly string[] = [
  "POST /api/auth/login",
  "POST /api/auth/logout",
  "GET /api/auth/me",
  "GET /api/setup",
  "POST /api/setup",
  // Two-factor sign-in, all of it: a leaked token must neither sign in nor change a second factor.
  "POST /api/auth/login/second-factor",
  "POST /api/auth/login/second-factor/passkey-options",
  "POST /api/auth/login/second-factor/passkey",
  "POST /api/auth/login/passkey-options",
  "POST /api/auth/login/passkey",
  "GET /api/auth/two-factor",
  "POST /api/auth/two-factor/totp",
  "POST /api/auth/two-factor/totp/confirm",
  "DELETE /api/auth/two-factor/totp",
  "POST /api/auth/two-factor/recovery-codes",
  "POST /api/auth/two-factor/passkeys/options",
  "POST /api/auth/two-factor/passkeys",
  "DELETE /api/auth/two-factor/passkeys/:id",
  "GET /api/auth/two-factor/policy",
  "PUT /api/auth/two-factor/policy",
  "POST /api/users/:id/two-factor/reset",
  "PATCH /api/users/me",
  // Staff accounts (passwords, roles): a leaked admin token must not take an account over.
  "POST /api/users",
  "PATCH /api/users/:id",
  "GET /api/tokens",
  "POST /api/tokens",
  "DELETE /api/tokens/:id",
  // A calendar feed's address is a credential too.
  "GET /api/calendar-feed",
  "POST /api/calendar-feed",
  "DELETE /api/calendar-feed",
  // Seeing and ending sessions: a leaked token must not sign its owner out to hide what it does.
  "GET /api/auth/sessions",
  "DELETE /api/auth/sessions/:id",
  "POST /api/auth/sessions/end-others",
  "GET /api/users/:id/sessions",
  "DELETE /api/users/:id/sessions",
  "DELETE /api/users/:id/sessions/:sessionId",
];

/**
 * The scope an API token needs for a route, from the tables above: none on session-only routes
 * ("session": refused), any valid token on public ones, `admin` on admin-only routes, `read` for
 * GET/HEAD, `write` for the rest.
 */
export function expectedTokenAccess(route: {
  method: string;
  pattern: string;
}): "session" | "any" | "read" | "write" | "admin" {
  const method = route.method === "HEAD" ? "GET" : route.method;
  if (SESSION_ONLY_ROUTES.includes(`${method} ${route.pattern}`)) return "session";
  const roles = expectedRoles(route);
  if (roles === undefined) throw new Error(`${routeName(route)} is not in ROLE_TABLE`);
  if (roles === "public") return "any";
  if (roles.every((role) => role === "admin")) return "admin";
  return method === "GET" ? "read" : "write";
}

/** The roles the table lets call a route ("public": all of them, and anonymous clients). */
export function expectedRoles(route: { method: string; pattern: string }): "public" | readonly UserRole[] | undefined {
  const name = routeName({ method: route.method === "HEAD" ? "GET" : route.method, pattern: route.pattern });
  return ROLE_TABLE[name];
}

/** Every row of every table, as JSON text per table: a before/after pair shows what a request changed. */
export type Snapshot = Map<string, Map<string, string>>;

export async function snapshot(db: Executor): Promise<Snapshot> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const union = sql.join(
    tables.map(({ name }) => sql`select ${name}::text as t, to_jsonb(x)::text as row from ${sql.identifier(name)} x`),
    sql` union all `,
  );
  const rows = await queryRows<{ t: string; row: string }>(db, union);
  const result: Snapshot = new Map(tables.map(({ name }) => [name, new Map()]));
  for (const { t, row } of rows) result.get(t)?.set(rowKey(JSON.parse(row)), row);
  return result;
}

function rowKey(row: Record<string, unknown>): string {
  if (row.id !== undefined) return String(row.id);
  if (row.key !== undefined) return String(row.key);
  if (row.purpose !== undefined) return String(row.purpose);
  return JSON.stringify(row);
}

export interface ChangedRow {
  table: string;
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown> | undefined;
}

/** Rows inserted, updated or deleted between two snapshots. */
export function changes(before: Snapshot, after: Snapshot): ChangedRow[] {
  const result: ChangedRow[] = [];
  for (const [table, rowsAfter] of after) {
    const rowsBefore = before.get(table) ?? new Map<string, string>();
    for (const [key, row] of rowsAfter) {
      const old = rowsBefore.get(key);
      if (old !== row) result.push({ table, before: old ? JSON.parse(old) : undefined, after: JSON.parse(row) });
    }
    for (const [key, old] of rowsBefore) {
      if (!rowsAfter.has(key)) result.push({ table, before: JSON.parse(old), after: undefined });
    }
  }
  return result;
}

export const describeChanges = (rows: ChangedRow[]) =>
  rows.map((row) => `${row.table}: ${JSON.stringify(row.before)} → ${JSON.stringify(row.after)}`).join("\n");
