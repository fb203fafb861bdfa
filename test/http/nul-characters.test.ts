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
});
