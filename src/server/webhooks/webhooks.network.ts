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
  unspecified: "the unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  teredo: "a Teredo tunnel address",
};

export class WebhookAddressRefused extends Error {
  override name = "WebhookAddressRefused";
  readonly code = "EWEBHOOKADDRESS";
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The IPv4 address an IPv6 one stands for, where it embeds one: IPv4-mapped (::ffff:a.b.c.d),
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16). Checked as that IPv4 address.
 */
function effectiveAddress(address: Address): Address {
  if (address.kind() !== "ipv6") return address;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === "ipv4Mapped") return v6.toIPv4Address();
  const bytes = v6.toByteArray();
  if (range === "rfc6052") return ipaddr.fromByteArray(bytes.slice(12, 16));
  if (range === "6to4") return ipaddr.fromByteArray(bytes.slice(2, 6));
  return v6;
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
    const address = effectiveAddress(parsed);
    if (this.isAllowed(parsed) || this.isAllowed(address)) return null;
    const normal = address.toString();
    if (METADATA_ADDRESSES.has(normal) || METADATA_ADDRESSES.has(parsed.toString())) {
      return `${text} is a cloud metadata address`;
    }
    const range = address.range();
    if (range === "unicast") return null;
    return `${text} is ${RANGE_WORDS[range] ?? `a ${range} address`}`;
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
