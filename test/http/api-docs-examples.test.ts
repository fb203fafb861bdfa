import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/server/db/client.js";
import { signWebhook } from "../../src/server/webhooks/webhooks.signing.js";
import type { ApiToken } from "../../src/shared/tokens.js";
import type { WebhookWithSecret } from "../../src/shared/webhooks.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { makeToken } from "../support/tokens.js";
import { eventually } from "../support/twilio-stand-in.js";
import { WebhookReceiver } from "../webhooks/receiver.js";
import { WEBHOOK_TEST_ENV } from "../webhooks/webhook-test-app.js";

/**
 * The "Examples you can paste" of docs/api.md, run as they are written: each block marked
 * `<!-- example: name -->` goes to the system's /bin/sh with the system's curl, jq and openssl,
 * against the app listening on loopback. Only the shell variables the page documents are set
 * (UPLINK_URL, UPLINK_EMAIL, UPLINK_PASSWORD, UPLINK_TOKEN, WEBHOOK_*); if the page drifts from
 * the API, these fail.
 */
const DOCS = path.join(import.meta.dirname, "../../docs/api.md");

async function docExamples(): Promise<Map<string, string>> {
  const text = await readFile(DOCS, "utf8");
  const examples = new Map<string, string>();
  for (const match of text.matchAll(/<!-- example: ([\w-]+) -->\n```sh\n([\s\S]*?)\n```/g)) {
    examples.set(match[1] as string, match[2] as string);
  }
  return examples;
}

const run = promisify(execFile);

describe.each(testDatabaseKinds())("docs/api.md examples with curl (%s)", (kind) => {
  // Loopback allowed for webhooks, so the receiver below gets real deliveries.
  const t = useTestApp(kind, { env: WEBHOOK_TEST_ENV });
  let baseUrl = "";
  let workDir = "";
  let examples = new Map<string, string>();

  beforeAll(async () => {
    await t().app.listen({ port: 0, host: "127.0.0.1" });
    baseUrl = `http://127.0.0.1:${(t().app.server.address() as AddressInfo).port}`;
    workDir = await mkdtemp(path.join(tmpdir(), "uplink-api-docs-"));
    examples = await docExamples();
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  /** Runs one example in a shell, asynchronously: the app answers from this same process. */
  async function runExample(name: string, variables: Record<string, string>): Promise<string> {
    const code = examples.get(name);
    if (!code) throw new Error(`docs/api.md has no block marked <!-- example: ${name} -->`);
    const { stdout } = await run("/bin/sh", ["-c", code], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workDir, UPLINK_URL: baseUrl, ...variables },
      timeout: 30_000,
    });
    return stdout;
  }

  it("the page has the four examples", () => {
    expect([...examples.keys()].sort()).toEqual(["idempotent-create", "search", "token", "verify-webhook"]);
  });

  it("token: a session makes a token, which then works with Authorization: Bearer alone", async () => {
    const lines = (
      await runExample("token", { UPLINK_EMAIL: DEMO.admin.email, UPLINK_PASSWORD: DEMO.admin.password })
    ).split("\n");
    const token = lines[0] ?? "";
    expect(token).toMatch(/^upl_[0-9A-Za-z]{43}$/);
    // The ticket count of the token's request: the call was answered 200 with a list.
    expect(lines[1]).toMatch(/^\d+$/);

    const admin = await signIn(t().app, DEMO.admin);
    const tokens: ApiToken[] = (await admin.get("/api/tokens")).json().items;
    const made = tokens.find((candidate) => candidate.name === "Billing sync");
    expect(made).toMatchObject({ scopes: ["read", "write"], revokedAt: null, expiresAt: null });
    expect(made?.lastUsedAt).not.toBeNull();
    expect(made?.lastUsedIp).toBe("127.0.0.1");
  });

  it("search: the comma-list status filter and q find the open and in-progress tickets, newest first", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { token } = await makeToken(admin, { scopes: ["read"] });
    const made = [];
    for (const [subject, status] of [
      ["Fibre drops every evening", "in_progress"],
      ["Fibre cut on Elm Street", "resolved"],
      ["Router reboots nightly", "open"],
      ["No light on the fibre ONT", "open"],
    ]) {
      made.push(await makeTicket(admin, { subject, status }));
      t().clock.advance(1000); // distinct creation times, so "newest first" is one order
    }
    const [evening, , , noLight] = made;
    const output = await runExample("search", { UPLINK_TOKEN: token });
    expect(output.trim().split("\n")).toEqual([
      `${noLight?.number} open No light on the fibre ONT`,
      `${evening?.number} in_progress Fibre drops every evening`,
    ]);
  });

  it("idempotent-create: the retry answers the same ticket with Idempotent-Replayed: true; one ticket exists", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const { token } = await makeToken(admin, { scopes: ["read", "write"] });
    const output = await runExample("idempotent-create", { UPLINK_TOKEN: token });
    const answers = output
      .split(/^(?=HTTP\/[\d.]+ )/m)
      .filter((part) => part.trim() !== "")
      .map((part) => {
        const [head = "", body = ""] = part.split(/\r?\n\r?\n/);
        const headers = new Map(
          head
            .split(/\r?\n/)
            .slice(1)
            .map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
        );
        return { status: head.split(" ")[1], headers, ticket: JSON.parse(body) as { id: string; subject: string } };
      });
    expect(answers).toHaveLength(2);
    const [first, retry] = answers;
    expect(first?.status).toBe("201");
    expect(retry?.status).toBe("201");
    expect(first?.headers.get("idempotent-replayed")).toBeUndefined();
    expect(retry?.headers.get("idempotent-replayed")).toBe("true");
    expect(retry?.ticket.id).toBe(first?.ticket.id);
    expect(first?.ticket.subject).toBe("No sync on the fibre line since the storm");
    const [count] = await queryRows<{ n: number }>(
      t().database.handle.db,
      sql`select count(*)::int as n from tickets where subject = 'No sync on the fibre line since the storm'`,
    );
    expect(count?.n).toBe(1);
  });

  it("verify-webhook: OK for a real delivery, REJECT for a changed body, another secret or an old timestamp", async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const admin = await signIn(t().app, DEMO.admin);
      const created = await admin.post("/api/webhooks", { url: receiver.url(), events: ["ticket.created"] });
      expect(created.statusCode).toBe(201);
      const webhook: WebhookWithSecret = created.json();
      receiver.secret = webhook.secret;
      await makeTicket(admin, { subject: "Webhook for the docs example" });
      const delivery = await eventually(async () => receiver.delivered()[0], 15_000);
      expect(receiver.rejected).toEqual([]);

      const check = async (body: string, variables: Partial<Record<string, string>> = {}) => {
        await writeFile(path.join(workDir, "body.json"), body);
        const output = await runExample("verify-webhook", {
          WEBHOOK_SECRET: webhook.secret,
          WEBHOOK_ID: delivery.id,
          WEBHOOK_TIMESTAMP: delivery.timestamp,
          WEBHOOK_SIGNATURE: delivery.signature,
          ...variables,
        });
        return output.trim();
      };
      expect(await check(delivery.body)).toBe("OK");
      expect(await check(delivery.body.replace("Webhook for the docs example", "Webhook for the docs exampl3"))).toBe(
        "REJECT: no signature matches",
      );
      expect(await check(`${delivery.body}\n`)).toBe("REJECT: no signature matches");
      const otherSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
      expect(await check(delivery.body, { WEBHOOK_SECRET: otherSecret })).toBe("REJECT: no signature matches");
      // During a rotation the header holds two signatures: either one verifies.
      expect(
        await check(delivery.body, {
          WEBHOOK_SIGNATURE: `${signWebhook(otherSecret, delivery.id, Number(delivery.timestamp), delivery.body)} ${delivery.signature}`,
        }),
      ).toBe("OK");
      // Correctly signed, but ten minutes old: a replay.
      const old = String(Math.floor(Date.now() / 1000) - 600);
      expect(
        await check(delivery.body, {
          WEBHOOK_TIMESTAMP: old,
          WEBHOOK_SIGNATURE: signWebhook(webhook.secret, delivery.id, Number(old), delivery.body),
        }),
      ).toBe("REJECT: the timestamp is more than 5 minutes off");
    } finally {
      await receiver.stop();
    }
  });
});
