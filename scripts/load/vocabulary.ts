import type { Customer } from "../../src/shared/customers.js";
import type { TicketCategory, TicketPriority } from "../../src/shared/enums.js";
import type { Random } from "../seed-demo/random.js";
import { INTERNAL_NOTES, PUBLIC_REPLIES, RESOLUTION_NOTES, SUBJECTS } from "../seed-demo/vocabulary.js";

/** How staff type what they know about a customer into the one search box. */
export type CustomerSearchKind = "name" | "phone" | "account" | "ip" | "mac" | "email";

/**
 * A typo: two neighbouring letters swapped ("hamitlon"). The search forgives it in names of eight
 * letters or more; in six- or seven-letter names it often finds nothing, as it would for a person.
 */
function swapLetters(word: string, random: Random): string {
  if (word.length < 6) return word;
  const at = random.between(1, word.length - 3);
  return word.slice(0, at) + word.charAt(at + 1) + word.charAt(at) + word.slice(at + 2);
}

function nameTerm(customer: Customer, random: Random): string {
  const words = customer.name.split(/\s+/).filter(Boolean);
  const last = words.at(-1) ?? customer.name;
  const roll = random.next();
  if (roll < 0.45) return last.slice(0, random.between(Math.min(4, last.length), last.length));
  if (roll < 0.8) return customer.name;
  if (roll < 0.9) return `${(words[0] ?? "").slice(0, 3)} ${last}`.trim();
  return swapLetters(last.toLowerCase(), random);
}

/** A stored E.164 number the way a caller reads it out: "(303) 555-0142", "303.555.0142", "0142". */
function phoneTerm(phone: string, random: Random): string {
  const digits = phone.replace(/\D/g, "");
  if (!phone.startsWith("+1") || digits.length !== 11) return random.chance(0.5) ? phone : digits.slice(-7);
  const area = digits.slice(1, 4);
  const exchange = digits.slice(4, 7);
  const line = digits.slice(7);
  return random.pick([
    `(${area}) ${exchange}-${line}`,
    `${area}-${exchange}-${line}`,
    `${area}.${exchange}.${line}`,
    `${area}${exchange}${line}`,
    `1 ${area} ${exchange} ${line}`,
    `${exchange}-${line}`,
    line,
  ]);
}

function accountTerm(accountNumber: string, random: Random): string {
  const digits = accountNumber.replace(/\D/g, "");
  const trimmed = String(Number(digits));
  return random.pick([accountNumber, accountNumber.toLowerCase(), `c${trimmed}`, trimmed]);
}

function macTerm(mac: string, random: Random): string {
  const hex = mac.replace(/[^0-9a-fA-F]/g, "").toLowerCase();
  const pairs = hex.match(/../g) ?? [];
  return random.pick([
    pairs.join(":").toUpperCase(),
    pairs.join("-"),
    `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`,
    hex,
  ]);
}

/** The search text for a customer, or undefined when the customer lacks that detail. */
export function customerSearchTerm(customer: Customer, kind: CustomerSearchKind, random: Random): string | undefined {
  switch (kind) {
    case "name":
      return nameTerm(customer, random);
    case "phone": {
      const phone = customer.altPhone && random.chance(0.2) ? customer.altPhone : customer.phone;
      return phone ? phoneTerm(phone, random) : undefined;
    }
    case "account":
      return accountTerm(customer.accountNumber, random);
    case "ip":
      return customer.ipAddress ?? undefined;
    case "mac":
      return customer.macAddress ? macTerm(customer.macAddress, random) : undefined;
    case "email":
      return customer.email ?? undefined;
  }
}

/** Words people search the queue for besides ticket numbers. */
export const TICKET_SEARCH_WORDS = [
  "router",
  "outage",
  "slow",
  "packet loss",
  "invoice",
  "install",
  "ONT",
  "storm",
  "Wi-Fi",
  "drops",
  "power supply",
  "static IP",
  "moving",
  "radio",
] as const;

const CATEGORIES = Object.keys(SUBJECTS) as TicketCategory[];

export function newTicketText(random: Random): { subject: string; category: TicketCategory; description: string } {
  const category = random.pick(CATEGORIES);
  return {
    category,
    subject: random.pick(SUBJECTS[category]),
    description: random.pick([
      "Customer called the office; already restarted the router.",
      "Reported by phone, customer is home until 5 pm.",
      "Second call about this; customer is getting impatient.",
      "Neighbour reports the same problem.",
      "",
    ]),
  };
}

export function newTicketPriority(random: Random): TicketPriority {
  const roll = random.next();
  if (roll < 0.15) return "low";
  if (roll < 0.7) return "normal";
  if (roll < 0.93) return "high";
  return "urgent";
}

export function commentText(random: Random): { body: string; visibility: "internal" | "public" } {
  if (random.chance(0.7)) return { body: random.pick(INTERNAL_NOTES), visibility: "internal" };
  if (random.chance(0.7)) return { body: random.pick(PUBLIC_REPLIES), visibility: "public" };
  return { body: random.pick(RESOLUTION_NOTES), visibility: "internal" };
}
