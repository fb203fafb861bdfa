import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

describe.each(testDatabaseKinds())("sign-in on %s", (kind) => {
  const t = useTestApp(kind);

  it("signs in each seeded account and returns the user with a CSRF token", async () => {
    for (const who of [DEMO.admin, DEMO.john, DEMO.jane]) {
      const session = await signIn(t().app, who);
      expect(session.user.email).toBe(who.email);
      expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const me = await session.get("/api/auth/me");
      expect(me.statusCode).toBe(200);
      expect(me.json().user.email).toBe(who.email);
    }
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    const wrong = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: DEMO.jane.email, password: "nope-nope" },
    });
    const unknown = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: "nobody@isp.com", password: "nope-nope" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(sameExceptRequest(problemOf(wrong))).toEqual(sameExceptRequest(problemOf(unknown)));
  });

  it("refuses a form-encoded sign-in, so a cross-site HTML form cannot sign a victim in", async () => {
    const response = await t().app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `email=${encodeURIComponent(DEMO.admin.email)}&password=${DEMO.admin.password}`,
    });
    expect(response.statusCode).toBe(415);
    expect(problemOf(response).status).toBe(415);
    expect(response.cookies.find((c) => c.name === "uplink_session")).toBeUndefined();
  });
});

/** A problem body without its request's own id (`instance`), which differs from request to request. */
function sameExceptRequest(body: Record<string, unknown>) {
  const { instance: _instance, ...rest } = body;
  return rest;
}
