import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { HOUR } from "../../src/server/clock.js";
import { MAX_PREVIOUS_SECRETS } from "../../src/server/webhooks/webhooks.service.js";
import { DEMO, problemOf, signIn } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { eventually } from "../support/twilio-stand-in.js";
import type { ReceivedWebhook } from "./receiver.js";
import { makeWebhook, useWebhookApp } from "./webhook-test-app.js";

const verifies = (secret: string, received: ReceivedWebhook | undefined) => {
  try {
    new StandardWebhook(secret).verify(received?.body ?? "", {
      "webhook-id": received?.id ?? "",
      "webhook-timestamp": received?.timestamp ?? "",
      "webhook-signature": received?.signature ?? "",
    });
    return true;
  } catch {
    return false;
  }
};

describe.each(testDatabaseKinds())("Webhook secret rotations within a day (%s)", (kind) => {
  const w = useWebhookApp(kind);

  it("keeps every replaced secret signing for its own 24 hours, refuses a rotation that would drop one (409), and allows it once the oldest expires", async () => {
    const { receiver, t } = w();
    const webhook = await makeWebhook(w(), ["ticket.created"]);
    const secrets = [webhook.secret];
    const rotate = async () => {
      const admin = await signIn(t.app, DEMO.admin);
      return admin.post(`/api/webhooks/${webhook.id}/rotate-secret`);
    };
    const firstRotationAt = t.clock.now().getTime();
    const first = await rotate();
    expect(first.statusCode).toBe(200);
    secrets.push(first.json().secret);

    // A second rotation two hours later: the original secret still has 22 hours to sign.
    t.clock.advance(2 * HOUR);
    const second = await rotate();
    expect(second.statusCode).toBe(200);
    secrets.push(second.json().secret);
    expect(Date.parse(second.json().previousSecretExpiresAt)).toBe(t.clock.now().getTime() + 24 * HOUR);

    receiver.secret = second.json().secret;
    await makeTicket(await signIn(t.app, DEMO.admin));
    await eventually(async () => receiver.delivered().length === 1);
    const during = receiver.received[0];
    expect(during?.signature.split(" ")).toHaveLength(3);
    // A receiver still on the original secret, one on the first rotation's and one on the newest all verify.
    for (const secret of secrets) expect(verifies(secret, during), secret).toBe(true);

    // Up to MAX_PREVIOUS_SECRETS replaced secrets sign at once; one more rotation would drop a live one.
    while (secrets.length < MAX_PREVIOUS_SECRETS + 1) {
      const again = await rotate();
      expect(again.statusCode).toBe(200);
      secrets.push(again.json().secret);
    }
    const refused = await rotate();
    expect(refused.statusCode).toBe(409);
    const problem = problemOf(refused);
    expect(problem.code).toBe("webhook.rotation_limit");
    const possibleAt = new Date(firstRotationAt + 24 * HOUR).toISOString();
    expect(problem.possibleAt).toBe(possibleAt);
    expect(problem.detail).toContain(possibleAt);
    expect(Number(refused.headers["retry-after"])).toBe(22 * 3600);

    // Once the original secret's overlap ends it stops signing, and a rotation is possible again.
    t.clock.advance(22 * HOUR + 1000);
    receiver.reset();
    receiver.secret = secrets.at(-1) ?? "";
    await makeTicket(await signIn(t.app, DEMO.admin));
    await eventually(async () => receiver.delivered().length === 1);
    const later = receiver.received[0];
    expect(later?.signature.split(" ")).toHaveLength(MAX_PREVIOUS_SECRETS);
    expect(verifies(secrets[0] ?? "", later)).toBe(false);
    for (const secret of secrets.slice(1)) expect(verifies(secret, later)).toBe(true);
    expect((await rotate()).statusCode).toBe(200);
  });
});
