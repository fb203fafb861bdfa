import { describe, expect, it } from "vitest";
import { MINUTE } from "../../src/server/clock.js";
import { createTestApp, DEMO, problemOf, type TestApp, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

function loginFrom(
  t: TestApp,
  credentials: { email: string; password: string },
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  return t.app.inject({ method: "POST", url: "/api/auth/login", payload: credentials, remoteAddress, headers });
}

describe.each(testDatabaseKinds())("sign-in brute force on %s", (kind) => {
  const t = useTestApp(kind);

  it("locks an account after 10 failures in 15 minutes with 429 and Retry-After, even for the right password", async () => {
    for (let i = 0; i < 10; i++) {
      // Spread over many addresses: the per-account limit must hold on its own.
      const miss = await loginFrom(t(), { email: DEMO.john.email, password: `guess-${i}` }, `10.1.0.${i + 1}`);
      expect(miss.statusCode).toBe(401);
    }
    const locked = await loginFrom(t(), DEMO.john, "10.1.1.1");
    expect(locked.statusCode).toBe(429);
    const retryAfter = Number(locked.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const body = problemOf(locked);
    expect(body.code).toBe("auth.too_many_attempts");
    expect(body.detail).toMatch(/Try again in \d+ minute/);
    expect(locked.cookies.find((c) => c.name === "uplink_session")).toBeUndefined();
    // The lock is per account: another account from the same address still signs in.
    expect((await loginFrom(t(), DEMO.jane, "10.1.1.1")).statusCode).toBe(200);

    t().clock.advance(15 * MINUTE + 1000);
    expect((await loginFrom(t(), DEMO.john, "10.1.1.1")).statusCode).toBe(200);
  });

  it("locks an address after 30 failures across accounts", async () => {
    const address = "10.2.0.7";
    for (let i = 0; i < 30; i++) {
      const miss = await loginFrom(t(), { email: `spray-${i}@isp.com`, password: "spray-password" }, address);
      expect(miss.statusCode).toBe(401);
    }
    const blocked = await loginFrom(t(), DEMO.admin, address);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await loginFrom(t(), DEMO.admin, "10.2.0.8")).statusCode).toBe(200);
  });

  it("ignores X-Forwarded-For without TRUST_PROXY: rotating it does not escape the address limit", async () => {
    const address = "10.3.0.9";
    for (let i = 0; i < 30; i++) {
      const miss = await loginFrom(t(), { email: `rotate-${i}@isp.com`, password: "rotate-password" }, address, {
        "x-forwarded-for": `203.0.113.${i + 1}`,
      });
      expect(miss.statusCode).toBe(401);
    }
    const blocked = await loginFrom(t(), DEMO.admin, address, { "x-forwarded-for": "198.51.100.77" });
    expect(blocked.statusCode).toBe(429);
  });
});

describe.each(testDatabaseKinds())("sign-in limiter behind a trusted proxy on %s", (kind) => {
  it("counts the client address from X-Forwarded-For when TRUST_PROXY is set", async () => {
    const t = await createTestApp(kind, { env: { TRUST_PROXY: "true" } });
    try {
      const proxy = "10.9.9.9";
      for (let i = 0; i < 30; i++) {
        const miss = await loginFrom(t, { email: `px-${i}@isp.com`, password: "proxy-password" }, proxy, {
          "x-forwarded-for": "203.0.113.50",
        });
        expect(miss.statusCode).toBe(401);
      }
      const sameClient = await loginFrom(t, DEMO.admin, proxy, { "x-forwarded-for": "203.0.113.50" });
      expect(sameClient.statusCode).toBe(429);
      // Other clients behind the same proxy are not locked out with the attacker.
      const otherClient = await loginFrom(t, DEMO.admin, proxy, { "x-forwarded-for": "203.0.113.51" });
      expect(otherClient.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  }, 60_000);
});
