import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net, { type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The SSRF guard and the one HTTP request a delivery makes. An endpoint's URL is an admin's input,
 * but the address it leads to is the DNS's answer at send time: it is checked in the agents'
 * `lookup`, so the address checked is the address connected to (no rebinding between a check and
 * the connection). Literal IP URLs never reach a lookup and are checked before the request.
 */

/** Cloud metadata services: named in the refusal, so an admin sees what was at stake. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]);

/** Words for ipaddr.js's range names in a refusal. */
const RANGE_WORDS: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private (RFC 1918) address",
  uniqueLocal: "a private (fc00::/7) address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT (100.64.0.0/10) address",
  unspecified: "the unspecified address (0.0.0.0/8, ::)",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved or documentation address",
  teredo: "a Teredo tunnel address",
  deprecatedSiteLocal: "a site-local (fec0::/10) address",
  discard: "a discard-only (100::/64) address",
  benchmarking: "a benchmarking address",
  as112: "an AS112 (DNS sink) address",
  as112v6: "an AS112 (DNS sink) address",
  amt: "an AMT relay address",
  segmentRouting: "a segment-routing (5f00::/16) address",
};

export class WebhookAddressRefused extends Error {
  override name = "WebhookAddressRefused";
  readonly code = "EWEBHOOKADDRESS";
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const NAT64_LOCAL_USE = ipaddr.parseCIDR("64:ff9b:1::/48") as [ipaddr.IPv6, number];

/**
 * The IPv4 addresses an IPv6 one may stand for, each checked by the IPv4 rules: a tunnel or
 * translator on the way would deliver to that IPv4 address, so ::ffff:10.0.0.1 must be refused as
 * 10.0.0.1 is. IPv4-mapped (::ffff:a.b.c.d, in any notation ipaddr.js reads), IPv4-translated
 * (::ffff:0:a.b.c.d), the deprecated IPv4-compatible ::a.b.c.d (::127.0.0.1 is ::7f00:1), the
 * well-known NAT64 prefix 64:ff9b::/96 and 6to4 (2002:AABB:CCDD::/48). Not here, refused whole
 * by `refusal`: the local-use NAT64 64:ff9b:1::/48, whose prefix length (and so where the IPv4
 * address sits) only the local translator knows, and Teredo (2001::/32, its range), whose client
 * address is obfuscated and whose server is not where the packets end up.
 */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4[] {
  const bytes = v6.toByteArray();
  const v4 = (...at: number[]) => ipaddr.fromByteArray(at.map((i) => bytes[i] ?? 0)) as ipaddr.IPv4;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const range = v6.range();
  if (range === "ipv4Mapped") return [v6.toIPv4Address()];
  if (range === "rfc6145") return [v4(12, 13, 14, 15)];
  if (range === "6to4") return [v4(2, 3, 4, 5)];
  if (range === "rfc6052" && !v6.match(NAT64_LOCAL_USE)) return [v4(12, 13, 14, 15)];
  // ::/96 less :: and ::1 (their own ranges): the IPv4-compatible form RFC 4291 deprecated.
  if (zeros(0, 12) && range === "unicast") return [v4(12, 13, 14, 15)];
  return [];
}
/** The operator's WEBHOOK_ALLOW_PRIVATE_NETWORKS, parsed once. */
export class AddressPolicy {
  private readonly allowed: [Address, number][];

  constructor(allowList: readonly string[]) {
    this.allowed = allowList.map((entry) =>
      ipaddr.isValidCIDR(entry)
        ? ipaddr.parseCIDR(entry)
        : ([ipaddr.parse(entry), entry.includes(":") ? 128 : 32] as [Address, number]),
    );
  }

  /** Null when a delivery may connect to `text`; otherwise why not, in words. */
  refusal(text: string): string | null {
    if (!ipaddr.isValid(text)) return `${text} is not an IP address`;
    const parsed = ipaddr.parse(text);
    if (this.isAllowed(parsed)) return null;
    if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).match(NAT64_LOCAL_USE)) {
      return `${text} is a local-use NAT64 (64:ff9b:1::/48) address, whose IPv4 destination only the local translator knows`;
    }
    const embedded = parsed.kind() === "ipv6" ? embeddedIPv4(parsed as ipaddr.IPv6) : [];
    // An embedded IPv4 address is what the packets reach: it alone decides, by the IPv4 rules.
    const checked: Address[] = embedded.length > 0 ? embedded : [parsed];
    for (const address of checked) {
      if (this.isAllowed(address)) continue;
      const normal = address.toString();
      if (METADATA_ADDRESSES.has(normal) || METADATA_ADDRESSES.has(parsed.toString())) {
        return `${text} is a cloud metadata address`;
      }
      const range = address.range();
      if (range !== "unicast") return `${text} is ${RANGE_WORDS[range] ?? `a ${range} address`}`;
    }
    return null;
  }

  private isAllowed(address: Address): boolean {
    return this.allowed.some(
      ([network, bits]) => network.kind() === address.kind() && address.match(network as never, bits),
    );
  }

  /**
   * A `lookup` for http(s) agents: resolves as usual, drops every address the policy refuses, and
   * fails when none is left. `resolve` is the system resolver; tests hand in their own answers.
   */
  lookup(resolve: typeof dns.lookup = dns.lookup): LookupFunction {
    return (hostname, options, callback) => {
      resolve(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) {
          callback(error, "", 4);
          return;
        }
        const list = addresses as dns.LookupAddress[];
        const usable = list.filter((entry) => this.refusal(entry.address) === null);
        const first = usable[0];
        if (!first) {
          const reasons = list.map((entry) => this.refusal(entry.address)).join("; ");
          callback(
            new WebhookAddressRefused(
              `refused to connect to ${hostname}: ${reasons || "it has no address"} (WEBHOOK_ALLOW_PRIVATE_NETWORKS can allow it)`,
            ),
            "",
            4,
          );
          return;
        }
        if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
        else callback(null, first.address, first.family);
      });
    };
  }
}

export interface WebhookResponse {
  status: number;
  /** At most the first 1 KB, as text. */
  body: string;
}

export type PostResult = { ok: true; response: WebhookResponse } | { ok: false; error: string; timedOut: boolean };

/** The part of an answer's body that is read and kept; the rest is discarded with the connection. */
export const RESPONSE_BODY_LIMIT = 1024;

/** Keep-alive agents whose every new connection goes through the policy's lookup. */
export class WebhookClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly policy: AddressPolicy,
    resolve?: typeof dns.lookup,
  ) {
    const options = { keepAlive: true, maxSockets: 32, lookup: policy.lookup(resolve) };
    this.httpAgent = new http.Agent(options);
    this.httpsAgent = new https.Agent(options);
  }

  /**
   * POSTs `body` once: no redirect is followed (a 3xx is an answer like any other), the whole
   * exchange has `timeoutMs`, and at most 1 KB of the answer is read.
   */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({ ok: false, error: "the URL is not valid", timedOut: false });
    }
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    if (net.isIP(host)) {
      const refusal = this.policy.refusal(host);
      if (refusal) {
        return Promise.resolve({
          ok: false,
          error: `refused to connect: ${refusal} (WEBHOOK_ALLOW_PRIVATE_NETWORKS can allow it)`,
          timedOut: false,
        });
      }
    }
    const secure = target.protocol === "https:";
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (result: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const request = (secure ? https : http).request(target, {
        method: "POST",
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => {
        finish({ ok: false, error: `no answer within ${timeoutMs / 1000} s`, timedOut: true });
        request.destroy();
      }, timeoutMs);
      request.on("error", (error) => {
        const refused = error instanceof WebhookAddressRefused;
        finish({
          ok: false,
          error: refused ? error.message : `could not deliver (${describe(error)})`,
          timedOut: false,
        });
      });
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            ok: true,
            response: { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") },
          });
        response.on("data", (chunk: Buffer) => {
          if (size >= RESPONSE_BODY_LIMIT) return;
          chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - size));
          size += chunk.length;
          if (size >= RESPONSE_BODY_LIMIT) {
            // Enough read: the rest is dropped with the connection instead of downloaded.
            done();
            response.destroy();
          }
        });
        response.on("end", done);
        response.on("error", done);
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
