import { describe, expect, it } from "vitest";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

describe.each(testDatabaseKinds())("cursor pagination on %s", (kind) => {
  const t = useTestApp(kind);

  it("takes back every cursor a list hands out, even one after a 200-character name in multi-byte letters", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const created: [string, Record<string, unknown>][] = [
      [
        "/api/users",
        { name: "é".repeat(200), email: "accent@example.com", role: "technician", password: "long-password-1" },
      ],
      [
        "/api/users",
        { name: "ê".repeat(200), email: "circ@example.com", role: "technician", password: "long-password-1" },
      ],
      ["/api/service-plans", { name: "😀".repeat(50), downloadMbps: 1, uploadMbps: 1, monthlyPrice: 1 }],
      ["/api/service-plans", { name: "😁".repeat(50), downloadMbps: 1, uploadMbps: 1, monthlyPrice: 1 }],
      ["/api/sites", { name: "😀".repeat(50), kind: "tower" }],
      ["/api/sites", { name: "😁".repeat(50), kind: "tower" }],
      ["/api/customers", { name: `${"😀".repeat(99)}zq` }],
      ["/api/customers", { name: `${"😁".repeat(99)}zq` }],
    ];
    for (const [url, body] of created) expect((await admin.post(url, body)).statusCode, url).toBe(201);

    for (const list of [
      "/api/users?limit=1",
      "/api/service-plans?limit=1",
      "/api/sites?limit=1",
      "/api/customers?limit=1&sort=name",
      "/api/customers?limit=1&sort=-name",
      "/api/customers?limit=1&sort=relevance&q=zq",
    ]) {
      const seen: string[] = [];
      let url = list;
      for (;;) {
        const page = await admin.get(url);
        expect(page.statusCode, `${list}, after ${seen.length} rows`).toBe(200);
        const { items, nextCursor } = page.json() as { items: { id: string }[]; nextCursor: string | null };
        seen.push(...items.map((item) => item.id));
        if (!nextCursor) break;
        url = `${list}&cursor=${nextCursor}`;
      }
      expect(new Set(seen).size, list).toBe(seen.length);
      expect(seen.length, list).toBeGreaterThanOrEqual(2);
    }
  });

  it("answers a forged cursor whose time has a UTC offset PostgreSQL cannot take (past 15:59) with the cursor's 400", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const ticket = (await admin.post("/api/tickets", { subject: "Offset probe" })).json();
    for (const offset of ["-23:59", "+16", "+15:60"]) {
      const cursor = Buffer.from(JSON.stringify([`2026-01-01T00:00:00${offset}`, ticket.id])).toString("base64url");
      for (const list of [
        "/api/sms?",
        "/api/tickets?",
        "/api/customers?sort=created&",
        `/api/tickets/${ticket.id}/comments?`,
      ]) {
        const response = await admin.get(`${list}cursor=${cursor}`);
        expect(response.statusCode, `${list} ${offset}`).toBe(400);
        expect(problemOf(response).code).toBe("request.cursor_invalid");
      }
    }
    const fine = Buffer.from(JSON.stringify(["2026-01-01T00:00:00+15:59", ticket.id])).toString("base64url");
    expect((await admin.get(`/api/tickets?cursor=${fine}`)).statusCode).toBe(200);
  });
});
