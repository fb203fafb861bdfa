import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

describe.each(testDatabaseKinds())("NUL characters on %s", (kind) => {
  const t = useTestApp(kind);

  it("answers 422 and creates nothing when text holds a NUL character", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const response = await admin.post("/api/customers", { name: "Ann\u0000Lee" });
    expect(response.statusCode).toBe(422);
    expect(problemOf(response).code).toBe("request.nul_character");
    const list = await admin.get("/api/customers?q=Ann");
    expect(list.json().items).toHaveLength(0);
  });

  it("checks a body nested 100,000 deep without overflowing the stack: 422, not 500", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    for (const payload of [
      "[".repeat(100_000) + "]".repeat(100_000),
      `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`,
    ]) {
      const response = await admin.request({
        method: "POST",
        url: "/api/customers",
        headers: { "content-type": "application/json" },
        payload,
      });
      expect(response.statusCode).toBe(422);
      expect(problemOf(response).code).toBe("request.invalid");
    }
  });

  it("answers a forged cursor holding a NUL character with the cursor's 400, on every list sorted by text", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const cursor = Buffer.from(JSON.stringify(["a\u0000", "7f3c1e9a-0b5d-4c2e-9a61-3d8f0e2b4c17"])).toString(
      "base64url",
    );
    for (const list of ["/api/users", "/api/service-plans", "/api/sites", "/api/customers?sort=name&"]) {
      const response = await admin.get(`${list}${list.includes("?") ? "" : "?"}cursor=${cursor}`);
      expect(response.statusCode, list).toBe(400);
      expect(problemOf(response).code, list).toBe("request.cursor_invalid");
    }
  });

  it("refuses half of a UTF-16 surrogate pair (an emoji cut in two) with 422, and takes whole emoji", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    // The template's audit entry is JSON, which PostgreSQL refuses to hold a lone surrogate in.
    for (const [url, body] of [
      ["/api/sms/templates/manual", { body: "Hi \ud83d" }],
      ["/api/sms/templates/manual", { body: "Hi \ude00 there" }],
    ] as const) {
      const response = await admin.put(url, body);
      expect(response.statusCode).toBe(422);
      expect(problemOf(response).code).toBe("request.broken_character");
    }
    const customer = await admin.post("/api/customers", { name: "Broken \ud800 Key", notes: "x" });
    expect(problemOf(customer).code).toBe("request.broken_character");
    const whole = await admin.put("/api/sms/templates/manual", { body: "Hi 😀 {{customer.name}}" });
    expect(whole.statusCode).toBe(200);
    expect(whole.json().body).toBe("Hi 😀 {{customer.name}}");
  });

  it("accepts text that spells out \\u0000 (backslash, u, four zeros): only the character itself is refused", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const response = await admin.post("/api/customers", { name: "Escaped \\u0000 Lee" });
    expect(response.statusCode).toBe(201);
    expect(response.json().name).toBe("Escaped \\u0000 Lee");
  });
});
