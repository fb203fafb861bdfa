import type dns from "node:dns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressPolicy, WebhookClient } from "../../src/server/webhooks/webhooks.network.js";
import { webhookHeaders } from "../../src/server/webhooks/webhooks.signing.js";
import { createTestApp, DEMO, signIn, type TestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeTicket } from "../support/factories/tickets.js";
import { WebhookReceiver } from "./receiver.js";
import { deliveries, waitForDeliveries } from "./webhook-test-app.js";

const REFUSED = [
  ["127.0.0.1", "loopback"],
  ["10.0.0.1", "private (RFC 1918)"],
  ["172.16.5.4", "private (RFC 1918)"],
  ["192.168.1.1", "private (RFC 1918)"],
  ["169.254.169.254", "cloud metadata"],
  ["169.254.10.10", "link-local"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["0.0.0.0", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["::1", "loopback"],
  ["::", "unspecified"],
  ["fe80::1", "link-local"],
  ["fc00::1", "private (fc00::/7)"],
  ["fd00:ec2::254", "cloud metadata"],
  ["ff02::1", "multicast"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:10.0.0.1", "private (RFC 1918)"],
  ["::ffff:169.254.169.254", "cloud metadata"],
  ["64:ff9b::a00:1", "private (RFC 1918)"],
  // IPv4 ranges that lead nowhere public.
  ["0.1.2.3", "unspecified"],
  ["255.255.255.255", "broadcast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["192.0.0.8", "reserved"],
  ["192.0.2.1", "documentation"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["198.18.0.1", "reserved"],
  // IPv6 ranges that lead nowhere public.
  ["fd12:3456::1", "private (fc00::/7)"],
  ["fec0::1", "site-local"],
  ["2001:db8::1", "documentation"],
  ["3fff::1", "documentation"],
  ["100::1", "discard"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
  ["2001::1", "Teredo"],
  // IPv4 addresses inside IPv6 ones, in every notation: checked as the IPv4 address they carry.
  ["::127.0.0.1", "loopback"],
  ["::7f00:1", "loopback"],
  ["::a00:1", "private (RFC 1918)"],
  ["::a9fe:a9fe", "cloud metadata"],
  ["::ffff:7f00:1", "loopback"],
  ["0:0:0:0:0:ffff:127.0.0.1", "loopback"],
  ["0000:0000:0000:0000:0000:ffff:c0a8:0101", "private (RFC 1918)"],
  ["::ffff:0:127.0.0.1", "loopback"],
  ["::ffff:0:a00:1", "private (RFC 1918)"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "cloud metadata"],
  ["64:ff9b::6440:1", "carrier-grade NAT"],
  ["64:ff9b:1::a00:1", "local-use NAT64"],
  ["64:ff9b:1:808:8:800::", "local-use NAT64"],
  ["2002:7f00:1::1", "loopback"],
  ["2002:a00:1::", "private (RFC 1918)"],
  ["2002:a9fe:a9fe::1", "cloud metadata"],
  ["2002:c0a8:101::1", "private (RFC 1918)"],
  ["2002:6440:1::", "carrier-grade NAT"],
] as const;

/** A resolver that answers every name with the given addresses, as dns.lookup would. */
function resolverAnswering(...addresses: string[]): typeof dns.lookup {
  return ((_hostname: string, _options: unknown, callback: (e: null, a: dns.LookupAddress[]) => void) => {
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  }) as unknown as typeof dns.lookup;
}

describe("the SSRF guard's address policy", () => {
  const policy = new AddressPolicy([]);

  it.each(REFUSED)("refuses %s (%s)", (address, words) => {
    expect(policy.refusal(address)).toContain(words);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])(
    "allows the public address %s",
    (address) => {
      expect(policy.refusal(address)).toBeNull();
    },
  );

  it("allows what WEBHOOK_ALLOW_PRIVATE_NETWORKS lists, addresses and CIDRs, and nothing beside it", () => {
    const allowing = new AddressPolicy(["127.0.0.1", "10.20.0.0/16", "fd12::/16"]);
    expect(allowing.refusal("127.0.0.1")).toBeNull();
    expect(allowing.refusal("::ffff:127.0.0.1")).toBeNull();
    expect(allowing.refusal("10.20.3.4")).toBeNull();
    expect(allowing.refusal("fd12::5")).toBeNull();
    expect(allowing.refusal("127.0.0.2")).toContain("loopback");
    expect(allowing.refusal("10.21.0.1")).toContain("private");
    expect(allowing.refusal("169.254.169.254")).toContain("metadata");
  });
});

describe("the SSRF guard at connect time", () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    receiver.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  });
  afterAll(async () => {
    await receiver.stop();
  });

  const send = (client: WebhookClient, url: string) => {
    const body = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
    const headers = webhookHeaders([receiver.secret], "msg_ssrf", Math.floor(Date.now() / 1000), body);
    return client.post(url, headers, body, 2_000);
  };

  it.each([
    "http://127.0.0.1:PORT/hooks",
    "http://10.0.0.1:PORT/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1:PORT/hooks",
    "http://[::1]:PORT/hooks",
    "http://[::ffff:127.0.0.1]:PORT/hooks",
    "http://[::ffff:7f00:1]:PORT/hooks",
    "http://[::127.0.0.1]:PORT/hooks",
    "http://[::7f00:1]:PORT/hooks",
    "http://[64:ff9b::7f00:1]:PORT/hooks",
    "http://[2002:7f00:1::1]:PORT/hooks",
    "http://0x7f.1:PORT/hooks",
  ])("refuses the literal address of %s before connecting", async (template) => {
    const client = new WebhookClient(new AddressPolicy([]));
    const result = await send(client, template.replace("PORT", String(receiver.port)));
    client.close();
    expect(result).toMatchObject({ ok: false, timedOut: false });
    expect(!result.ok && result.error).toMatch(/^refused to connect/);
  });

  it.each([
    ["127.0.0.1"],
    ["10.0.0.1"],
    ["169.254.169.254"],
    ["100.64.0.1"],
    ["::1"],
    ["::ffff:127.0.0.1"],
    ["::7f00:1"],
    ["64:ff9b::a00:1"],
    ["2002:7f00:1::1"],
  ])("refuses a host name that resolves to %s", async (address) => {
    const client = new WebhookClient(new AddressPolicy([]), resolverAnswering(address));
    const result = await send(client, `http://hooks.example.test:${receiver.port}/hooks`);
    client.close();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(`refused to connect to hooks.example.test: ${address} is`);
    expect(receiver.received).toHaveLength(0);
  });

  it("refuses localhost through the system resolver, and connects only to allowed addresses of a name", async () => {
    const refusing = new WebhookClient(new AddressPolicy([]));
    const refused = await send(refusing, `http://localhost:${receiver.port}/hooks`);
    refusing.close();
    expect(!refused.ok && refused.error).toMatch(/refused to connect to localhost: .*loopback/);
    expect(receiver.received).toHaveLength(0);

    // A name with a private and an allowed address: only the allowed one is used.
    const mixed = new WebhookClient(new AddressPolicy(["127.0.0.1"]), resolverAnswering("10.0.0.1", "127.0.0.1"));
    const delivered = await send(mixed, `http://hooks.example.test:${receiver.port}/hooks`);
    mixed.close();
    expect(delivered).toMatchObject({ ok: true, response: { status: 204 } });
    expect(receiver.received).toHaveLength(1);
  });

  it("delivers to a listed address, by literal and by name", async () => {
    receiver.reset();
    const client = new WebhookClient(new AddressPolicy(["127.0.0.0/8"]));
    expect(await send(client, receiver.url())).toMatchObject({ ok: true, response: { status: 204 } });
    expect(await send(client, `http://localhost:${receiver.port}/hooks`)).toMatchObject({ ok: true });
    client.close();
    expect(receiver.received).toHaveLength(2);
  });
});

describe.each(testDatabaseKinds())("an app without WEBHOOK_ALLOW_PRIVATE_NETWORKS (%s)", (kind) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp(kind);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it("records the refusal in the delivery log and retries later; the receiver hears nothing", async () => {
    const admin = await signIn(t.app, DEMO.admin);
    const created = await admin.post("/api/webhooks", { url: receiver.url(), events: ["ticket.created"] });
    expect(created.statusCode).toBe(201);
    const webhook = created.json();
    await makeTicket(admin);
    const w = { t, receiver, admin };
    const [delivery] = await waitForDeliveries(w, webhook.id, 1, (d) => d.attempts === 1 && d.status === "pending");
    expect(delivery?.attemptLog[0]?.error).toBe(
      "refused to connect: 127.0.0.1 is a loopback address (WEBHOOK_ALLOW_PRIVATE_NETWORKS can allow it)",
    );
    expect(delivery?.attemptLog[0]?.responseStatus).toBeNull();
    expect(receiver.received).toHaveLength(0);
    expect(await deliveries(w, webhook.id)).toHaveLength(1);
  });
});
