import { expect, it } from "vitest";
import type { ApiToken } from "../../src/shared/tokens.js";
import { DEMO, signIn } from "../support/app.js";
import { describeBrowser, signInThroughUi, useBrowserApp } from "../support/browser.js";

describeBrowser("Settings → API tokens: an admin creates a token for a staff member (Chromium)", () => {
  const h = useBrowserApp();

  const callApi = (token: string, path: string) =>
    fetch(`${h().baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

  /** Signs `who` in on a new page and opens the new-token form. */
  const openNewTokenForm = async (who: { email: string; password: string }) => {
    const page = await h().newPage();
    page.setDefaultTimeout(30_000);
    await signInThroughUi(page, who.email, who.password);
    await page.goto("/settings/api-tokens");
    await page.getByRole("button", { name: "New token" }).click();
    return { page, form: page.getByRole("dialog", { name: "New API token" }) };
  };

  it("an admin creates a read token for a technician: shown once, listed as theirs, it reads as them", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const john = await signIn(h().testApp.app, DEMO.john);
    const jane = await signIn(h().testApp.app, DEMO.jane);
    // One ticket for John and one for Jane: the token's "my tickets" must be John's.
    const johns = await admin.post("/api/tickets", {
      subject: "John's ticket for the token",
      assigneeId: john.user.id,
    });
    const janes = await admin.post("/api/tickets", {
      subject: "Jane's ticket for the token",
      assigneeId: jane.user.id,
    });
    expect(johns.statusCode).toBe(201);
    expect(janes.statusCode).toBe(201);

    const { page, form } = await openNewTokenForm(DEMO.admin);
    await form.getByLabel("Name").fill("John's monitoring");
    // The owner is the admin by default, who may give the admin scope.
    const owner = form.getByRole("combobox", { name: "Owner", exact: true });
    expect(await owner.inputValue()).toMatch(/\(you\)$/);
    await form.getByRole("checkbox", { name: /^Admin/ }).check();
    await owner.click();
    await page.getByRole("option", { name: john.user.name, exact: true }).click();
    expect(await owner.inputValue()).toBe(john.user.name);
    // A technician's token cannot hold admin: the choice is gone, and so is the ticked box.
    await form.getByText("Their role (technician) allows read and write").waitFor();
    expect(await form.getByRole("checkbox", { name: /^Admin/ }).count()).toBe(0);
    expect(await form.getByRole("checkbox", { name: /^Read/ }).isChecked()).toBe(true);
    expect(await form.getByRole("checkbox", { name: /^Write/ }).isChecked()).toBe(false);
    await form.getByRole("button", { name: "Create token" }).click();

    const shown = page.getByRole("dialog", { name: `New API token for ${john.user.name}` });
    const tokenText = shown.getByLabel("New API token");
    await tokenText.waitFor();
    const token = (await tokenText.textContent())?.trim() ?? "";
    expect(token).toMatch(/^upl_[0-9A-Za-z]{43}$/);
    await shown.getByRole("button", { name: "I have copied it" }).click();
    await shown.waitFor({ state: "detached" });

    // The list says whose token it is.
    const row = page.getByRole("row", { name: /John's monitoring/ });
    await row.getByRole("cell", { name: john.user.name, exact: true }).waitFor();
    await row.getByText("read", { exact: true }).waitFor();
    expect(await row.getByText("write", { exact: true }).count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    const listed: ApiToken[] = (await admin.get("/api/tokens")).json().items;
    const made = listed.find((candidate) => candidate.name === "John's monitoring");
    expect(made?.user).toEqual({ id: john.user.id, name: john.user.name });
    expect(made?.scopes).toEqual(["read"]);

    // It reads...
    const read = await callApi(token, "/api/tickets?limit=1");
    expect(read.status).toBe(200);
    // ...as John: "my tickets" are his (as his own session sees them), not the admin's or Jane's.
    // (GET /api/auth/me is session-only, so it cannot report a token's user.)
    const mine = await callApi(token, "/api/tickets?assigneeId=me&limit=100");
    expect(mine.status).toBe(200);
    const mineIds = ((await mine.json()) as { items: { id: string }[] }).items.map((ticket) => ticket.id);
    expect(mineIds).toContain(johns.json().id);
    expect(mineIds).not.toContain(janes.json().id);
    const johnsOwn = (await john.get("/api/tickets?assigneeId=me&limit=100")).json() as { items: { id: string }[] };
    expect(mineIds.sort()).toEqual(johnsOwn.items.map((ticket) => ticket.id).sort());
    // ...with a technician's rights: an admin-only page is refused, and a read token cannot write.
    expect((await callApi(token, "/api/audit")).status).toBe(403);
    const write = await fetch(`${h().baseUrl}/api/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ subject: "Should not be created" }),
    });
    expect(write.status).toBe(403);
    await page.close();
  }, 180_000);

  it("other admins cannot be chosen; when the server refuses (owner changed meanwhile) the form says why", async () => {
    const admin = await signIn(h().testApp.app, DEMO.admin);
    const make = async (name: string, email: string, role: "admin" | "technician") => {
      const made = await admin.post("/api/users", { name, email, password: "a-long-password-123", role });
      expect(made.statusCode).toBe(201);
      return made.json() as { id: string };
    };
    await make("Second Admin", "second-admin@isp.com", "admin");
    const leaving = await make("Leaving Tech", "leaving-tech@isp.com", "technician");
    const promoted = await make("Promoted Tech", "promoted-tech@isp.com", "technician");

    const { page, form } = await openNewTokenForm(DEMO.admin);
    await form.getByLabel("Name").fill("Stale owner");
    const owner = form.getByRole("combobox", { name: "Owner", exact: true });
    await owner.click();
    // Another admin is listed, but cannot be chosen: the server would refuse.
    const otherAdmin = page.getByRole("option", { name: /^Second Admin/ });
    await otherAdmin.waitFor();
    expect(await otherAdmin.getAttribute("aria-disabled")).toBe("true");
    await page.getByRole("option", { name: "Leaving Tech", exact: true }).click();

    // Deactivated while the form is open: the refusal shows on the Owner field.
    expect((await admin.patch(`/api/users/${leaving.id}`, { active: false })).statusCode).toBe(200);
    await form.getByRole("button", { name: "Create token" }).click();
    await form.getByText("userId: this staff account is deactivated").waitFor();
    expect(await owner.getAttribute("aria-invalid")).toBe("true");

    // Made an admin meanwhile: the 403's message shows in the form, above its button.
    await owner.click();
    await page.getByRole("option", { name: "Promoted Tech", exact: true }).click();
    expect((await admin.patch(`/api/users/${promoted.id}`, { role: "admin" })).statusCode).toBe(200);
    await form.getByRole("button", { name: "Create token" }).click();
    await form.getByRole("alert").filter({ hasText: "a token for another admin would act in their name" }).waitFor();
    const names = ((await admin.get("/api/tokens")).json().items as ApiToken[]).map((token) => token.name);
    expect(names).not.toContain("Stale owner");
    await page.close();
  }, 120_000);

  it("a technician's form has no Owner select: their tokens are their own", async () => {
    const { page, form } = await openNewTokenForm(DEMO.john);
    await form.getByLabel("Name").waitFor();
    expect(await form.getByLabel("Owner").count()).toBe(0);
    expect(await form.getByRole("checkbox", { name: /^Admin/ }).count()).toBe(0);
    await form.getByRole("checkbox", { name: /^Write/ }).waitFor();
    await page.close();
  }, 120_000);
});
