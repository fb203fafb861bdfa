import { and, desc, eq } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { MINUTE } from "../../src/server/clock.js";
import { auditLog } from "../../src/server/db/schema/index.js";
import {
  createTestApp,
  DEMO,
  problemOf,
  type Session,
  sessionCookieFrom,
  sessionFor,
  signIn,
  type TestApp,
  useTestApp,
} from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeStaff, type StaffAccount, signInAs } from "../support/factories/users.js";
import { makeToken } from "../support/tokens.js";
import { SoftAuthenticator } from "../support/webauthn.js";

const PERIOD_MS = 30_000;

/** The code an authenticator app shows at the test clock's time (computed here with otpauth). */
function codeAt(t: TestApp, secret: string, offsetMs = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, "")), digits: 6, period: 30 });
  return totp.generate({ timestamp: t.clock.now().getTime() + offsetMs });
}

/** Sets up and confirms an authenticator app for a signed-in person; answers its secret and recovery codes. */
async function enrolTotp(t: TestApp, session: Session): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await session.post("/api/auth/two-factor/totp");
  expect(setup.statusCode, setup.body).toBe(200);
  const { secret } = setup.json() as { secret: string };
  const confirmed = await session.post("/api/auth/two-factor/totp/confirm", { code: codeAt(t, secret) });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { secret, recoveryCodes: confirmed.json().recoveryCodes };
}

function pendingCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === "uplink_pending_login");
  if (!cookie) throw new Error(`no pending sign-in cookie (${response.statusCode}: ${response.body})`);
  return `uplink_pending_login=${cookie.value}`;
}

const credentials = (account: { email: string; password: string }) => ({
  email: account.email,
  password: account.password,
});

/** The password step: answers 202 and the pending sign-in's cookie. */
async function passwordStep(t: TestApp, account: { email: string; password: string }, remoteAddress = "127.0.0.1") {
  const response = await t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: credentials(account),
    remoteAddress,
  });
  expect(response.statusCode, response.body).toBe(202);
  expect(response.cookies.find((c) => c.name === "uplink_session")).toBeUndefined();
  return { body: response.json(), cookie: pendingCookieOf(response) };
}

function secondStep(t: TestApp, cookie: string, body: Record<string, unknown>, remoteAddress = "127.0.0.1") {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/login/second-factor",
    headers: { cookie },
    payload: body,
    remoteAddress,
  });
}

function sessionFrom(t: TestApp, response: LightMyRequestResponse): Session {
  expect(response.statusCode, response.body).toBe(200);
  const { user, csrfToken } = response.json();
  return sessionFor(t.app, sessionCookieFrom(response), csrfToken, user);
}

async function auditActions(t: TestApp, entityId: string): Promise<{ action: string; actorId: string | null }[]> {
  return t.database.handle.db
    .select({ action: auditLog.action, actorId: auditLog.actorId })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "user"), eq(auditLog.entityId, entityId)))
    .orderBy(desc(auditLog.id));
}

describe.each(testDatabaseKinds())("two-factor sign-in on %s", (kind) => {
  const t = useTestApp(kind);
  let admin: Session;
  const staff = async (): Promise<{ account: StaffAccount; session: Session }> => {
    admin ??= await signIn(t().app, DEMO.admin);
    const account = await makeStaff(admin, { role: "agent" });
    return { account, session: await signInAs(t().app, account) };
  };

  it("enrols an authenticator app (QR code and secret, confirmed by a first code) and signs in with its code", async () => {
    const { account, session } = await staff();
    const setup = await session.post("/api/auth/two-factor/totp");
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUrl, qrCode } = setup.json();
    expect(secret.replace(/\s/g, "")).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/.+secret=[A-Z2-7]+/);
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrCode.split(",")[1], "base64").toString()).toContain("<svg");
    // Not in use until confirmed: sign-in still needs the password only.
    expect(
      (await t().app.inject({ method: "POST", url: "/api/auth/login", payload: credentials(account) })).statusCode,
    ).toBe(200);

    const wrong = await session.post("/api/auth/two-factor/totp/confirm", { code: "000000" });
    expect(wrong.statusCode).toBe(422);
    expect(problemOf(wrong).errors?.[0]?.field).toBe("code");
    const confirmed = await session.post("/api/auth/two-factor/totp/confirm", { code: codeAt(t(), secret) });
    expect(confirmed.statusCode).toBe(200);
    const { recoveryCodes } = confirmed.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);

    const status = (await session.get("/api/auth/two-factor")).json();
    expect(status).toMatchObject({ enabled: true, totp: { enabled: true }, recoveryCodesLeft: 10, required: false });

    // The password alone now makes no session: 202, the methods, a pending cookie.
    t().clock.advance(PERIOD_MS);
    const pending = await passwordStep(t(), account);
    expect(pending.body.secondFactor.methods).toEqual(["totp", "recovery_code"]);
    const signedIn = sessionFrom(
      t(),
      await secondStep(t(), pending.cookie, { method: "totp", code: codeAt(t(), secret) }),
    );
    expect((await signedIn.get("/api/auth/me")).json().user.email).toBe(account.email);
    expect((await auditActions(t(), account.id)).map((row) => row.action)).toContain("two_factor.totp_enabled");
  });

  it("refuses a TOTP code used once already, and any code of an earlier time step", async () => {
    const { account, session } = await staff();
    const { secret } = await enrolTotp(t(), session);
    t().clock.advance(PERIOD_MS);
    const code = codeAt(t(), secret);
    const first = await passwordStep(t(), account);
    sessionFrom(t(), await secondStep(t(), first.cookie, { method: "totp", code }));

    const again = await passwordStep(t(), account);
    const reused = await secondStep(t(), again.cookie, { method: "totp", code });
    expect(reused.statusCode).toBe(401);
    expect(problemOf(reused).code).toBe("auth.second_factor_invalid");
    // The previous step's code is within the clock-skew window, but older than the one used.
    const older = await secondStep(t(), again.cookie, { method: "totp", code: codeAt(t(), secret, -PERIOD_MS) });
    expect(older.statusCode).toBe(401);
    // The next step's code is fine, and spaces in it do not matter.
    t().clock.advance(PERIOD_MS);
    const next = codeAt(t(), secret);
    sessionFrom(
      t(),
      await secondStep(t(), again.cookie, { method: "totp", code: `${next.slice(0, 3)} ${next.slice(3)}` }),
    );
    // The pending sign-in is spent.
    const spent = await secondStep(t(), again.cookie, { method: "totp", code: codeAt(t(), secret, PERIOD_MS) });
    expect(spent.statusCode).toBe(401);
    expect(problemOf(spent).code).toBe("auth.second_factor_expired");
  });

  it("accepts each recovery code once, audits its use, and counts what is left", async () => {
    const { account, session } = await staff();
    const { recoveryCodes } = await enrolTotp(t(), session);
    const [code] = recoveryCodes;
    if (!code) throw new Error("no recovery code");
    const first = await passwordStep(t(), account);
    // Case and dashes do not matter.
    sessionFrom(
      t(),
      await secondStep(t(), first.cookie, { method: "recovery_code", code: code.replace(/-/g, "").toUpperCase() }),
    );
    const again = await passwordStep(t(), account);
    const reused = await secondStep(t(), again.cookie, { method: "recovery_code", code });
    expect(reused.statusCode).toBe(401);
    expect(problemOf(reused).code).toBe("auth.second_factor_invalid");
    const actions = await auditActions(t(), account.id);
    expect(actions.filter((row) => row.action === "two_factor.recovery_code_used")).toHaveLength(1);
    expect((await session.get("/api/auth/two-factor")).json().recoveryCodesLeft).toBe(9);

    // New codes (password again): the old ones stop working.
    expect((await session.post("/api/auth/two-factor/recovery-codes", { password: "wrong" })).statusCode).toBe(422);
    const regenerated = await session.post("/api/auth/two-factor/recovery-codes", { password: account.password });
    expect(regenerated.statusCode).toBe(200);
    const fresh = regenerated.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    const old = await secondStep(t(), again.cookie, { method: "recovery_code", code: recoveryCodes[1] });
    expect(old.statusCode).toBe(401);
    sessionFrom(t(), await secondStep(t(), again.cookie, { method: "recovery_code", code: fresh[0] }));
    expect((await auditActions(t(), account.id)).map((row) => row.action)).toContain(
      "two_factor.recovery_codes_regenerated",
    );
  });

  it("counts wrong second steps with the sign-in limiter: locked after 10, even for the right code", async () => {
    const { account, session } = await staff();
    const { secret } = await enrolTotp(t(), session);
    t().clock.advance(PERIOD_MS);
    // A right password does not clear the count: re-entering it cannot buy more guesses.
    for (let i = 0; i < 10; i++) {
      const pending = await passwordStep(t(), account, `10.40.0.${i + 1}`);
      const miss = await secondStep(
        t(),
        pending.cookie,
        { method: "totp", code: i % 2 ? "123456" : "654321" },
        `10.40.0.${i + 1}`,
      );
      expect(miss.statusCode).toBe(401);
    }
    const locked = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: credentials(account),
      remoteAddress: "10.40.1.1",
    });
    expect(locked.statusCode).toBe(429);
    expect(problemOf(locked).code).toBe("auth.too_many_attempts");

    t().clock.advance(15 * MINUTE + 1000);
    const pending = await passwordStep(t(), account, "10.40.1.2");
    t().clock.advance(-15 * MINUTE - 1000);
    // A pending sign-in from before the lock cannot be answered while it lasts.
    const blocked = await secondStep(t(), pending.cookie, { method: "totp", code: codeAt(t(), secret) }, "10.40.1.2");
    expect(blocked.statusCode).toBe(429);
    t().clock.advance(15 * MINUTE + 1000);
    sessionFrom(t(), await secondStep(t(), pending.cookie, { method: "totp", code: codeAt(t(), secret) }, "10.40.1.2"));
  });

  it("expires a pending sign-in after 5 minutes and refuses a second step without one", async () => {
    const { account, session } = await staff();
    const { secret } = await enrolTotp(t(), session);
    t().clock.advance(PERIOD_MS);
    const pending = await passwordStep(t(), account);
    const without = await t().app.inject({
      method: "POST",
      url: "/api/auth/login/second-factor",
      payload: { method: "totp", code: codeAt(t(), secret) },
    });
    expect(without.statusCode).toBe(401);
    expect(problemOf(without).code).toBe("auth.second_factor_expired");
    t().clock.advance(5 * MINUTE + 1000);
    const late = await secondStep(t(), pending.cookie, { method: "totp", code: codeAt(t(), secret) });
    expect(late.statusCode).toBe(401);
    expect(problemOf(late).code).toBe("auth.second_factor_expired");
    const bad = await secondStep(t(), pending.cookie, { method: "totp", code: "12ab56" });
    expect(bad.statusCode).toBe(422);
  });

  it("turns the authenticator app off with the password, and then the password alone signs in", async () => {
    const { account, session } = await staff();
    await enrolTotp(t(), session);
    const again = await session.post("/api/auth/two-factor/totp");
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe("two_factor.totp_exists");
    const wrong = await session.delete("/api/auth/two-factor/totp", { password: "not-my-password" });
    expect(wrong.statusCode).toBe(422);
    expect(problemOf(wrong).errors?.[0]?.field).toBe("password");
    expect((await session.delete("/api/auth/two-factor/totp", { password: account.password })).statusCode).toBe(204);
    const status = (await session.get("/api/auth/two-factor")).json();
    expect(status).toMatchObject({ enabled: false, totp: { enabled: false }, recoveryCodesLeft: 0 });
    expect(
      (await t().app.inject({ method: "POST", url: "/api/auth/login", payload: credentials(account) })).statusCode,
    ).toBe(200);
    expect((await auditActions(t(), account.id)).map((row) => row.action)).toContain("two_factor.totp_disabled");
  });

  it("lets an admin reset a staff member's second factor (audited, their sessions ended); others get 403", async () => {
    const { account, session } = await staff();
    await enrolTotp(t(), session);
    const john = await signIn(t().app, DEMO.john);
    const refused = await john.post(`/api/users/${account.id}/two-factor/reset`);
    expect(refused.statusCode).toBe(403);
    expect(problemOf(refused).code).toBe("auth.forbidden");
    admin ??= await signIn(t().app, DEMO.admin);
    expect((await admin.post(`/api/users/${admin.user.id}/two-factor/reset`)).statusCode).toBe(409);
    expect((await admin.post("/api/users/7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17/two-factor/reset")).statusCode).toBe(404);

    expect((await admin.post(`/api/users/${account.id}/two-factor/reset`)).statusCode).toBe(204);
    expect((await session.get("/api/auth/me")).statusCode).toBe(401);
    const reset = (await auditActions(t(), account.id)).find((row) => row.action === "two_factor.reset");
    expect(reset?.actorId).toBe(admin.user.id);
    // The password alone signs in again; nothing is left to answer.
    const fresh = sessionFrom(
      t(),
      await t().app.inject({ method: "POST", url: "/api/auth/login", payload: credentials(account) }),
    );
    expect((await fresh.get("/api/auth/two-factor")).json()).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
  });

  it("refuses API tokens on the two-factor routes (session only)", async () => {
    admin ??= await signIn(t().app, DEMO.admin);
    const { token } = await makeToken(admin, { scopes: ["read", "write", "admin"] });
    for (const [method, url] of [
      ["GET", "/api/auth/two-factor"],
      ["POST", "/api/auth/two-factor/totp"],
      ["GET", "/api/auth/two-factor/policy"],
      ["PUT", "/api/auth/two-factor/policy"],
      ["POST", `/api/users/${admin.user.id}/two-factor/reset`],
    ] as const) {
      const response = await t().app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(method === "PUT" ? { payload: { policy: "all" } } : {}),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(problemOf(response).code).toBe("token.session_only");
    }
  });
});

describe.each(testDatabaseKinds())("REQUIRE_2FA=admins on %s", (kind) => {
  const t = useTestApp(kind, { env: { REQUIRE_2FA: "admins" } });

  it("signs an admin without a second factor in, refuses other routes with 403 until enrolled, then works", async () => {
    const login = await t().app.inject({ method: "POST", url: "/api/auth/login", payload: DEMO.admin });
    const admin = sessionFrom(t(), login);
    expect(login.json().twoFactorEnrolmentRequired).toBe(true);
    const refused = await admin.get("/api/customers");
    expect(refused.statusCode).toBe(403);
    expect(problemOf(refused).code).toBe("auth.two_factor_required");
    expect((await admin.post("/api/customers", { name: "Blocked" })).statusCode).toBe(403);
    // Who they are, signing out and setting up stay open.
    expect((await admin.get("/api/auth/me")).json().twoFactorEnrolmentRequired).toBe(true);
    expect((await admin.get("/api/auth/two-factor")).json()).toMatchObject({ enabled: false, required: true });
    const policy = await admin.put("/api/auth/two-factor/policy", { policy: "off" });
    expect(policy.statusCode).toBe(403);
    // Nor does a page's HTML carry what those routes would answer (the SMS status an admin's pages wait for).
    expect((await admin.get("/api/sms/status")).statusCode).toBe(403);
    const page = await admin.get("/tickets");
    expect(page.body).toContain('id="uplink-session"');
    expect(page.body).not.toContain('id="uplink-sms-status"');

    // A technician is not covered.
    const john = await signIn(t().app, DEMO.john);
    expect(john.user.email).toBe(DEMO.john.email);
    expect((await john.get("/api/customers")).statusCode).toBe(200);

    await enrolTotp(t(), admin);
    expect((await admin.get("/api/customers")).statusCode).toBe(200);
    expect((await admin.get("/api/auth/me")).json().twoFactorEnrolmentRequired).toBe(false);
    // The environment decides: the setting cannot change it.
    const fromEnv = await admin.put("/api/auth/two-factor/policy", { policy: "off" });
    expect(fromEnv.statusCode).toBe(409);
    expect(problemOf(fromEnv).code).toBe("two_factor.policy_from_environment");
    expect((await admin.get("/api/auth/two-factor/policy")).json()).toEqual({
      policy: "admins",
      fromEnvironment: true,
    });
    // Nor can the admin remove their only second factor while it is required.
    const removeLast = await admin.delete("/api/auth/two-factor/totp", { password: DEMO.admin.password });
    expect(removeLast.statusCode).toBe(409);
    expect(problemOf(removeLast).code).toBe("two_factor.required_by_policy");
  });
});

describe.each(testDatabaseKinds())("two-factor policy set in Settings on %s", (kind) => {
  it("applies at once on the instance that saved it; admins only; audited", async () => {
    const t = await createTestApp(kind);
    try {
      const admin = await signIn(t.app, DEMO.admin);
      const john = await signIn(t.app, DEMO.john);
      expect((await john.put("/api/auth/two-factor/policy", { policy: "all" })).statusCode).toBe(403);
      expect((await john.get("/api/auth/two-factor/policy")).statusCode).toBe(403);
      expect((await admin.get("/api/auth/two-factor/policy")).json()).toEqual({
        policy: "off",
        fromEnvironment: false,
      });
      // The admin enrols first, so saving "all" does not lock them out of Settings.
      await enrolTotp(t, admin);
      const saved = await admin.put("/api/auth/two-factor/policy", { policy: "all" });
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toEqual({ policy: "all", fromEnvironment: false });
      const refused = await john.get("/api/tickets");
      expect(refused.statusCode).toBe(403);
      expect(problemOf(refused).code).toBe("auth.two_factor_required");
      expect((await admin.get("/api/tickets")).statusCode).toBe(200);
      const [row] = await t.database.handle.db
        .select({ action: auditLog.action, data: auditLog.data })
        .from(auditLog)
        .where(eq(auditLog.action, "settings.require_two_factor"));
      expect(row?.data).toEqual({ policy: "all" });
      expect((await admin.put("/api/auth/two-factor/policy", { policy: "off" })).statusCode).toBe(200);
      expect((await john.get("/api/tickets")).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe.each(testDatabaseKinds())("passkeys through the API on %s", (kind) => {
  const origin = "http://uplink.example.test";
  const t = useTestApp(kind, { env: { PUBLIC_URL: origin } });

  async function withPasskey(name: string) {
    const admin = await signIn(t().app, DEMO.admin);
    const account = await makeStaff(admin, { role: "technician" });
    const session = await signInAs(t().app, account);
    const authenticator = new SoftAuthenticator(origin);
    const options = (await session.post("/api/auth/two-factor/passkeys/options")).json();
    expect(options.rp).toEqual({ id: "uplink.example.test", name: "Uplink" });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required" });
    const added = await session.post("/api/auth/two-factor/passkeys", {
      name,
      response: authenticator.register(options),
    });
    expect(added.statusCode, added.body).toBe(201);
    return { account, session, authenticator, added: added.json() };
  }

  const post = (url: string, cookie?: string, payload?: Record<string, unknown>) =>
    t().app.inject({ method: "POST", url, headers: cookie ? { cookie } : {}, ...(payload ? { payload } : {}) });

  it("registers a passkey (recovery codes with the first factor), then answers the second step with it", async () => {
    const { account, session, authenticator, added } = await withPasskey("Field phone");
    expect(added.passkey).toMatchObject({ name: "Field phone", lastUsedAt: null });
    expect(added.recoveryCodes).toHaveLength(10);
    expect((await session.get("/api/auth/two-factor")).json()).toMatchObject({
      enabled: true,
      totp: { enabled: false },
      passkeys: [{ name: "Field phone" }],
    });

    const pending = await passwordStep(t(), account);
    expect(pending.body.secondFactor.methods).toEqual(["passkey", "recovery_code"]);
    const options = (await post("/api/auth/login/second-factor/passkey-options", pending.cookie)).json();
    expect(options.allowCredentials).toHaveLength(1);
    const response = authenticator.assert(options);
    const done = await post("/api/auth/login/second-factor/passkey", pending.cookie, { response });
    const signedIn = sessionFrom(t(), done);
    expect(signedIn.user.email).toBe(account.email);
    // The challenge was single use: the same signed answer again is refused.
    const replay = await post("/api/auth/login/passkey", undefined, { response });
    expect(replay.statusCode).toBe(400);
    expect(problemOf(replay).code).toBe("two_factor.passkey_challenge_expired");
  });

  it("signs in without a password with a discoverable passkey, and refuses another account's passkey as a second step", async () => {
    const first = await withPasskey("Laptop");
    const second = await withPasskey("Tablet");
    const options = (await post("/api/auth/login/passkey-options")).json();
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe("required");
    const done = await post("/api/auth/login/passkey", undefined, { response: first.authenticator.assert(options) });
    expect(sessionFrom(t(), done).user.email).toBe(first.account.email);

    // Second's pending sign-in answered with First's passkey (signed over Second's challenge).
    const pending = await passwordStep(t(), second.account);
    const secondOptions = (await post("/api/auth/login/second-factor/passkey-options", pending.cookie)).json();
    const forged = first.authenticator.assert({ ...secondOptions, allowCredentials: [] });
    const refused = await post("/api/auth/login/second-factor/passkey", pending.cookie, { response: forged });
    expect(refused.statusCode).toBe(401);
    expect(problemOf(refused).code).toBe("two_factor.passkey_refused");

    // Removing a passkey needs the password; the last one takes the recovery codes with it.
    const id = second.added.passkey.id;
    expect((await second.session.delete(`/api/auth/two-factor/passkeys/${id}`, { password: "nope" })).statusCode).toBe(
      422,
    );
    const removed = await second.session.delete(`/api/auth/two-factor/passkeys/${id}`, {
      password: second.account.password,
    });
    expect(removed.statusCode).toBe(204);
    expect((await second.session.get("/api/auth/two-factor")).json()).toMatchObject({
      enabled: false,
      recoveryCodesLeft: 0,
    });
    const actions = (await auditActions(t(), second.account.id)).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(["two_factor.passkey_added", "two_factor.passkey_removed"]));
  });
});
