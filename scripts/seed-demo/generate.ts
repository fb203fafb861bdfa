import type {
  ConnectionType,
  CustomerStatus,
  SiteKind,
  SmsPurpose,
  SmsStatus,
  TicketCategory,
  TicketEventKind,
  TicketPriority,
  TicketStatus,
} from "../../src/shared/enums.js";
import type { SlaHours } from "../../src/shared/tickets.js";
import type { PhoneBook } from "./phones.js";
import { Random, weighted } from "./random.js";
import type { DemoSize } from "./sizes.js";
import {
  CITIES,
  CPE_BY_TYPE,
  CUSTOMER_NOTES,
  CUSTOMER_REPLIES,
  DESCRIPTIONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  INTERNAL_NOTES,
  LAST_NAMES,
  PLANS,
  PUBLIC_REPLIES,
  REGION,
  RESOLUTION_NOTES,
  STREET_NAMES,
  STREET_SUFFIXES,
  SUBJECTS,
} from "./vocabulary.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/** Tickets span five years; customers signed up over eight (many predate the ticket window). */
const TICKET_YEARS = 5;
const CUSTOMER_YEARS = 8;
/** The busiest year sees three times the tickets of the first: the ISP grew. */
const GROWTH = 3;
/** SMS notifications were switched on six months ago; older tickets have none. */
const SMS_DAYS = 180;
/** Staff who left (inactive accounts) worked tickets until two years ago. */
const FORMER_STAFF_UNTIL_YEARS = 2;

/** Position in [0, 1) of the u-th quantile under a linearly growing density (ratio GROWTH). */
function growthQuantile(u: number): number {
  return (-1 + Math.sqrt(1 + (GROWTH * GROWTH - 1) * u)) / (GROWTH - 1);
}

/**
 * Time-ordered UUIDs (version 7 layout, counter method): the load appends to each primary-key
 * index instead of writing all over it, which keeps millions of inserts cheap. The ids are as
 * opaque to the app as random ones.
 */
export class IdGenerator {
  private counter = 0;
  private readonly prefix: string;

  constructor(
    startMs: number,
    private readonly random: Random,
  ) {
    const hex = Math.floor(startMs).toString(16).padStart(12, "0");
    this.prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  }

  next(): string {
    const c = (this.counter++).toString(16).padStart(10, "0");
    const variant = (8 + this.random.int(4)).toString(16);
    return `${this.prefix}${c.slice(0, 3)}-${variant}${c.slice(3, 6)}-${c.slice(6, 10)}${this.random.hex(8)}`;
  }

  /** A Twilio-style message SID (SM + 32 hex), unique within the run. */
  nextSid(): string {
    return `SM${this.prefix.replaceAll("-", "").slice(0, 12)}${(this.counter++).toString(16).padStart(20, "0")}`;
  }
}

export interface StaffMember {
  id: string;
  name: string;
  phone: string | null;
  role: "admin" | "technician";
  active: boolean;
}

export interface NewStaffRow extends StaffMember {
  email: string;
  createdAt: number;
}

export interface SiteRow {
  id: string;
  name: string;
  kind: SiteKind;
  address: string;
  latitude: number;
  longitude: number;
  notes: string | null;
  city: number;
  createdAt: number;
}

export interface PlanRow {
  id: string;
  name: string;
  down: number;
  up: number;
  price: number;
  active: boolean;
  types: readonly ConnectionType[];
  createdAt: number;
}

/** Everything a ticket needs to know about its customer, kept in memory for the ticket phase. */
interface CustomerPool {
  ids: string[];
  created: Float64Array;
  firstNames: string[];
  phones: (string | null)[];
  optOut: Uint8Array;
  statuses: CustomerStatus[];
  sites: Int32Array;
}

/** Rows for one batch, one array per column in the order of the loader's column lists. */
export interface RowSink {
  ticket(row: unknown[]): void;
  comment(row: unknown[]): void;
  event(row: unknown[]): void;
  sms(row: unknown[]): void;
}

const pickConnectionType = weighted<ConnectionType>([
  ["fiber", 45],
  ["fixed_wireless", 25],
  ["cable", 12],
  ["dsl", 12],
  ["satellite", 3],
  ["other", 3],
]);

const SITE_KINDS_FOR: Record<ConnectionType, readonly SiteKind[]> = {
  fiber: ["olt", "olt", "cabinet"],
  fixed_wireless: ["tower"],
  cable: ["cabinet", "pop"],
  dsl: ["cabinet"],
  satellite: ["pop"],
  other: ["pop", "other"],
};

const pickCategory = weighted<TicketCategory>([
  ["no_service", 18],
  ["slow_speed", 20],
  ["intermittent", 17],
  ["installation", 8],
  ["relocation", 4],
  ["equipment", 12],
  ["billing", 14],
  ["other", 7],
]);

const PRIORITY_BY_CATEGORY: Record<TicketCategory, (random: Random) => TicketPriority> = {
  no_service: weighted([
    ["urgent", 25],
    ["high", 50],
    ["normal", 25],
  ]),
  slow_speed: weighted([
    ["high", 15],
    ["normal", 70],
    ["low", 15],
  ]),
  intermittent: weighted([
    ["high", 30],
    ["normal", 60],
    ["low", 10],
  ]),
  installation: weighted([
    ["high", 10],
    ["normal", 70],
    ["low", 20],
  ]),
  relocation: weighted([
    ["normal", 60],
    ["low", 40],
  ]),
  equipment: weighted([
    ["urgent", 3],
    ["high", 22],
    ["normal", 60],
    ["low", 15],
  ]),
  billing: weighted([
    ["normal", 55],
    ["low", 45],
  ]),
  other: weighted([
    ["normal", 50],
    ["low", 50],
  ]),
};

/** Typical hours to first response and to resolution by priority (log-normal medians). */
const FIRST_RESPONSE_HOURS: Record<TicketPriority, number> = { urgent: 0.25, high: 0.75, normal: 3, low: 8 };
const RESOLUTION_HOURS: Record<TicketPriority, number> = { urgent: 2.5, high: 6, normal: 18, low: 50 };

const STATUS_WORDS: Record<TicketStatus, string> = {
  open: "open",
  in_progress: "in progress",
  waiting_on_customer: "waiting for your reply",
  resolved: "resolved",
  closed: "closed",
};

const SMS_FAILURES = [
  { status: "undelivered", code: "30003", reason: "Unreachable destination handset" },
  { status: "failed", code: "30005", reason: "Unknown destination handset" },
  { status: "failed", code: "30006", reason: "Landline or unreachable carrier" },
  { status: "failed", code: "21610", reason: "Recipient has unsubscribed (replied STOP)" },
] as const;

const SMS_EVENT_KIND: Record<SmsStatus, TicketEventKind> = {
  skipped: "sms_skipped",
  queued: "sms_queued",
  sending: "sms_queued",
  sent: "sms_sent",
  delivered: "sms_delivered",
  undelivered: "sms_failed",
  failed: "sms_failed",
  received: "sms_received",
  // Demo tickets' messages are never cancelled (only incident messages are); the nearest kind.
  cancelled: "sms_skipped",
};

export interface GeneratorOptions {
  size: DemoSize;
  seed: number;
  now: number;
  country: string;
  /** The number SMS are sent from (TWILIO_PHONE_NUMBER, or a fictional one). */
  smsFrom: string;
  slaHours: SlaHours;
  phones: PhoneBook;
}

/**
 * Builds the demo ISP: plans, sites, staff, customers and five years of tickets with their
 * comments, events and SMS. Every ticket is played forward step by step from its creation and
 * cut off at `now`, so its status, timestamps, version, events and SMS always agree.
 */
export class DemoGenerator {
  readonly random: Random;
  readonly ids: IdGenerator;
  private readonly now: number;
  private readonly ticketStart: number;
  private readonly smsSince: number;
  private readonly formerStaffUntil: number;
  plans: PlanRow[] = [];
  sites: SiteRow[] = [];
  private readonly sitesByCityKind = new Map<string, number[]>();
  private readonly sitesByKind = new Map<SiteKind, number[]>();
  private technicians: { current: (r: Random) => StaffMember; former: (r: Random) => StaffMember } | undefined;
  private creators: { current: (r: Random) => StaffMember; former: (r: Random) => StaffMember } | undefined;
  private customers: CustomerPool | undefined;

  constructor(private readonly options: GeneratorOptions) {
    this.random = new Random(options.seed);
    this.ids = new IdGenerator(options.now, new Random(options.seed ^ 0x5bd1e995));
    this.now = options.now;
    this.ticketStart = options.now - TICKET_YEARS * YEAR;
    this.smsSince = options.now - SMS_DAYS * DAY;
    this.formerStaffUntil = options.now - FORMER_STAFF_UNTIL_YEARS * YEAR;
  }

  makePlans(): PlanRow[] {
    const createdAt = this.now - CUSTOMER_YEARS * YEAR - 30 * DAY;
    this.plans = PLANS.map((plan) => ({
      id: this.ids.next(),
      name: plan.name,
      down: plan.down,
      up: plan.up,
      price: plan.price,
      active: plan.active,
      types: plan.types,
      createdAt,
    }));
    return this.plans;
  }

  makeSites(): SiteRow[] {
    const r = this.random;
    const total = this.options.size.sites;
    const weightSum = CITIES.reduce((sum, city) => sum + city.weight, 0);
    const createdAt = this.now - CUSTOMER_YEARS * YEAR - 60 * DAY;
    const pickKind = weighted<SiteKind>([
      ["tower", 35],
      ["olt", 22],
      ["cabinet", 40],
      ["other", 3],
    ]);
    const directions = ["North", "South", "East", "West", "Ridge", "Hill", "Mesa", "Valley"];
    CITIES.forEach((city, cityIndex) => {
      const count = Math.max(1, Math.round((total * city.weight) / weightSum));
      const numbers: Record<SiteKind, number> = { tower: 0, pop: 0, olt: 0, cabinet: 0, other: 0 };
      for (let n = 0; n < count; n++) {
        // Towns with several sites (and the three largest) have a point of presence; the rest is access network.
        const kind: SiteKind = n === 0 && (count > 1 || cityIndex < 3) ? "pop" : pickKind(r);
        numbers[kind] += 1;
        const k = numbers[kind];
        const name =
          kind === "pop"
            ? `${city.name} POP${k > 1 ? ` ${k}` : ""}`
            : kind === "tower"
              ? `${city.name} ${directions[(k - 1) % directions.length]} Tower${k > directions.length ? ` ${Math.ceil(k / directions.length)}` : ""}`
              : kind === "olt"
                ? `${city.name} OLT ${String(k).padStart(2, "0")}`
                : kind === "cabinet"
                  ? `${city.name} Cabinet ${String(k).padStart(3, "0")}`
                  : `${city.name} Relay ${k}`;
        const index = this.sites.length;
        this.sites.push({
          id: this.ids.next(),
          name,
          kind,
          address: `${r.between(10, 9999)} ${r.pick(STREET_NAMES)} ${r.pick(STREET_SUFFIXES)}, ${city.name}, ${REGION} ${r.pick(city.postal)}`,
          latitude: round6(city.lat + (r.next() - 0.5) * 0.12),
          longitude: round6(city.lon + (r.next() - 0.5) * 0.15),
          notes:
            kind === "tower"
              ? `${r.between(20, 60)} m mast, ${r.between(3, 6)} sector radios, backhaul to ${city.name} POP.`
              : kind === "olt"
                ? `${r.pick([8, 16])} GPON ports, split 1:${r.pick([32, 64])}.`
                : kind === "pop"
                  ? "Core router, upstream transit and generator backup."
                  : null,
          city: cityIndex,
          createdAt,
        });
        push(this.sitesByCityKind, `${cityIndex}:${kind}`, index);
        push(this.sitesByKind, kind, index);
      }
    });
    return this.sites;
  }

  /** The generated technicians' names and emails: fixed per size, so a re-run finds the same accounts. */
  private staffIdentities(): { name: string; email: string }[] {
    const identities: { name: string; email: string }[] = [];
    const emails = new Set<string>();
    for (let i = 0; i < this.options.size.technicians; i++) {
      const first = FIRST_NAMES[(i * 37 + 11) % FIRST_NAMES.length] as string;
      const last = LAST_NAMES[(i * 53 + 7) % LAST_NAMES.length] as string;
      let email = `${emailPart(first)}.${emailPart(last)}@isp.com`;
      for (let n = 2; emails.has(email); n++) email = `${emailPart(first)}.${emailPart(last)}${n}@isp.com`;
      emails.add(email);
      identities.push({ name: `${first} ${last}`, email });
    }
    return identities;
  }

  staffEmails(): string[] {
    return this.staffIdentities().map((identity) => identity.email);
  }

  /** New technician accounts; `existing` are the staff already in the database, who take part too. */
  makeStaff(existing: StaffMember[]): NewStaffRow[] {
    const r = this.random;
    const rows: NewStaffRow[] = this.staffIdentities().map((identity, i) => ({
      id: this.ids.next(),
      name: identity.name,
      email: identity.email,
      phone: r.chance(0.9) ? this.options.phones.nextStaff() : null,
      role: "technician",
      // About one in ten has left: their accounts stay (history names them) but are inactive.
      active: i % 10 !== 9,
      createdAt: this.now - r.between(1, CUSTOMER_YEARS * 365) * DAY,
    }));
    const staff = [...existing, ...rows];
    // The seeded technicians (john, jane) carry a full queue, so "mine" has work in it.
    const techWeight = (s: StaffMember) => (existing.includes(s) ? 4 : 1);
    const techs = staff.filter((s) => s.role === "technician");
    const allTechs = techs.length > 0 ? techs : staff;
    const currentTechs = allTechs.filter((s) => s.active);
    this.technicians = {
      current: weighted((currentTechs.length > 0 ? currentTechs : allTechs).map((s) => [s, techWeight(s)] as const)),
      former: weighted(allTechs.map((s) => [s, techWeight(s)] as const)),
    };
    const currentStaff = staff.filter((s) => s.active);
    this.creators = {
      current: weighted((currentStaff.length > 0 ? currentStaff : staff).map((s) => [s, 1] as const)),
      former: weighted(staff.map((s) => [s, 1] as const)),
    };
    return rows;
  }

  /**
   * Customers in sign-up order (account numbers follow sign-up time), handed to `emit` one row
   * at a time in the loader's column order.
   */
  makeCustomers(emit: (row: unknown[]) => void): void {
    const r = this.random;
    const n = this.options.size.customers;
    const start = this.now - CUSTOMER_YEARS * YEAR;
    const pickCity = weighted(CITIES.map((city, index) => [index, city.weight] as const));
    const pool: CustomerPool = {
      ids: new Array(n),
      created: new Float64Array(n),
      firstNames: new Array(n),
      phones: new Array(n),
      optOut: new Uint8Array(n),
      statuses: new Array(n),
      sites: new Int32Array(n),
    };
    let ipIndex = 0;
    for (let i = 0; i < n; i++) {
      const created = Math.floor(start + growthQuantile((i + r.next()) / n) * CUSTOMER_YEARS * YEAR);
      const ageDays = (this.now - created) / DAY;
      const status: CustomerStatus =
        ageDays < 30
          ? r.chance(0.2)
            ? "lead"
            : ageDays < 14 && r.chance(0.5)
              ? "pending_install"
              : "active"
          : r.chance(0.88)
            ? "active"
            : r.chance(0.25)
              ? "suspended"
              : "cancelled";
      const type = pickConnectionType(r);
      const cityIndex = pickCity(r);
      const city = CITIES[cityIndex] as (typeof CITIES)[number];
      const siteIndex = this.siteFor(type, cityIndex);
      const site = siteIndex >= 0 ? this.sites[siteIndex] : undefined;
      const plans = this.plans.filter((plan) => plan.types.includes(type) && (plan.active || ageDays > 3 * 365));
      const plan = plans.length > 0 ? r.pick(plans) : undefined;
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      const id = this.ids.next();
      const phone = r.chance(0.96) ? this.options.phones.next() : null;
      const altPhone = r.chance(0.12) ? this.options.phones.next() : null;
      const optOut = phone !== null && r.chance(0.04);
      const connected = status === "active" || status === "suspended";
      const hasCpe = connected || (status === "cancelled" && r.chance(0.5));
      const cpe = r.pick(CPE_BY_TYPE[type]);
      const installed = status !== "lead" && status !== "pending_install";
      const installDate =
        status === "lead"
          ? null
          : status === "pending_install"
            ? isoDate(this.now + r.between(1, 14) * DAY)
            : isoDate(created + r.between(3, 21) * DAY);
      const updated = Math.min(this.now, created + r.next() * (this.now - created));
      emit([
        id,
        `C-${String(i + 1).padStart(6, "0")}`,
        `${first} ${last}`,
        r.chance(0.8)
          ? `${emailPart(first)}.${emailPart(last)}${r.chance(0.4) ? r.between(1, 99) : ""}@${r.pick(EMAIL_DOMAINS)}`
          : null,
        phone,
        altPhone,
        `${r.between(10, 19999)} ${r.pick(STREET_NAMES)} ${r.pick(STREET_SUFFIXES)}${r.chance(0.15) ? ` Apt ${r.between(1, 40)}` : ""}`,
        city.name,
        REGION,
        r.pick(city.postal),
        "US",
        r.chance(0.8) && site ? round6(site.latitude + (r.next() - 0.5) * 0.04) : null,
        r.chance(0.8) && site ? round6(site.longitude + (r.next() - 0.5) * 0.05) : null,
        plan?.id ?? null,
        type,
        site?.id ?? null,
        connected ? ipAddress(ipIndex++) : null,
        hasCpe ? macAddress(r.pick(cpe.ouis), i) : null,
        installed ? cpe.model : null,
        hasCpe ? `${cpe.serialPrefix}${serialDigits(i)}` : null,
        connected && (type === "fiber" || type === "dsl") ? r.between(100, 3999) : null,
        status,
        installDate,
        optOut,
        r.chance(0.1) ? r.pick(CUSTOMER_NOTES) : null,
        created,
        updated,
        // A quarter of the cancelled accounts have been archived since.
        status === "cancelled" && r.chance(0.25) ? updated : null,
      ]);
      pool.ids[i] = id;
      pool.created[i] = created;
      pool.firstNames[i] = first;
      pool.phones[i] = phone;
      pool.optOut[i] = optOut ? 1 : 0;
      pool.statuses[i] = status;
      pool.sites[i] = siteIndex;
    }
    this.customers = pool;
  }

  private siteFor(type: ConnectionType, city: number): number {
    const kind = this.random.pick(SITE_KINDS_FOR[type]);
    const local = this.sitesByCityKind.get(`${city}:${kind}`) ?? this.sitesByCityKind.get(`${city}:pop`);
    if (local) return this.random.pick(local);
    const anywhere = this.sitesByKind.get(kind);
    return anywhere ? this.random.pick(anywhere) : -1;
  }

  /** Creation time of ticket `index` (tickets are generated and numbered in time order). */
  ticketTime(index: number): number {
    const u = (index + this.random.next()) / this.options.size.tickets;
    return Math.floor(this.ticketStart + growthQuantile(u) * TICKET_YEARS * YEAR);
  }

  /** Plays ticket number `index` forward from its creation to now and emits all its rows. */
  makeTicket(index: number, sink: RowSink): void {
    const customers = this.customers;
    const technicians = this.technicians;
    const creators = this.creators;
    if (!customers || !technicians || !creators) throw new Error("make the staff and customers first");
    const r = this.random;
    const now = this.now;
    const t0 = this.ticketTime(index);
    const ticketId = this.ids.next();
    const number = `T-${String(index + 1).padStart(6, "0")}`;
    const former = t0 < this.formerStaffUntil;
    const pickTech = () => (former ? technicians.former(r) : technicians.current(r));
    const creator = former ? creators.former(r) : creators.current(r);

    // The customer: anyone signed up before the ticket; 2% are network-wide (no customer).
    let customer = -1;
    const signedUp = upperBound(customers.created, t0);
    if (signedUp > 0 && !r.chance(0.02)) {
      customer = r.int(signedUp);
      if (customers.statuses[customer] === "lead" && r.chance(0.7)) customer = r.int(signedUp);
    }
    const customerStatus = customer >= 0 ? customers.statuses[customer] : undefined;
    let category: TicketCategory =
      customerStatus === "lead" || customerStatus === "pending_install" ? "installation" : pickCategory(r);
    let subject: string;
    if (customer < 0) {
      category = r.chance(0.7) ? "no_service" : "intermittent";
      const site = this.sites.length > 0 ? r.pick(this.sites) : undefined;
      subject = site ? `Outage: ${site.name}` : "Network-wide outage";
    } else {
      subject = r.pick(SUBJECTS[category]);
    }
    const initialPriority = customer < 0 ? (r.chance(0.6) ? "urgent" : "high") : PRIORITY_BY_CATEGORY[category](r);
    const customerId = customer >= 0 ? (customers.ids[customer] as string) : null;
    const customerPhone = customer >= 0 ? (customers.phones[customer] ?? null) : null;
    const customerOptOut = customer >= 0 && customers.optOut[customer] === 1;
    const customerName = customer >= 0 ? (customers.firstNames[customer] as string) : "";

    const state = {
      status: "open" as TicketStatus,
      priority: initialPriority,
      assignee: null as StaffMember | null,
      version: 1,
      firstResponse: null as number | null,
      resolved: null as number | null,
      closed: null as number | null,
      updated: t0,
    };
    let last = t0;
    let stopped = false;
    /** The next step happens at `at`, at least `gap` after the previous one; null once past now. */
    const reach = (at: number, gap = MINUTE): number | null => {
      if (stopped) return null;
      const time = Math.max(Math.floor(at), last + gap);
      if (time > now) {
        stopped = true;
        return null;
      }
      last = time;
      return time;
    };
    const event = (
      at: number,
      kind: TicketEventKind,
      actor: StaffMember | null,
      from: string | null,
      to: string | null,
      data: string,
    ) => {
      sink.event([ticketId, kind, actor?.id ?? null, from, to, data, at]);
    };
    const sms = (at: number, purpose: SmsPurpose, body: string, recipient: StaffMember | null) => {
      if (at < this.smsSince) return;
      const toNumber = recipient ? recipient.phone : customerPhone;
      if (!recipient && !customerId) return;
      let status: SmsStatus;
      let reason: string | null = null;
      let errorCode: string | null = null;
      if (!toNumber) {
        status = "skipped";
        reason = recipient ? "The technician has no mobile number" : "The customer has no mobile number";
      } else if (!recipient && customerOptOut) {
        status = "skipped";
        reason = "The customer opted out of SMS (replied STOP)";
      } else if (at > now - 2 * MINUTE || r.chance(0.015)) {
        status = "sent";
      } else if (r.chance(0.06)) {
        const failure = r.pick(SMS_FAILURES);
        status = failure.status;
        reason = failure.reason;
        errorCode = failure.code;
      } else {
        status = "delivered";
      }
      const smsId = this.ids.next();
      const sent = status !== "skipped";
      const settled = Math.min(now, at + r.between(2, 40) * 1000);
      sink.sms([
        smsId,
        "outbound",
        toNumber,
        sent ? this.options.smsFrom : null,
        body,
        purpose,
        ticketId,
        recipient ? null : customerId,
        recipient ? recipient.id : null,
        status,
        reason,
        sent ? this.ids.nextSid() : null,
        errorCode,
        sent ? 1 : 0,
        at,
        settled,
      ]);
      event(
        settled,
        SMS_EVENT_KIND[status],
        null,
        null,
        toNumber,
        `{"smsId":"${smsId}","purpose":"${purpose}"${errorCode ? `,"errorCode":"${errorCode}"` : ""}}`,
      );
    };
    const setStatus = (at: number, to: TicketStatus, actor: StaffMember | null) => {
      const from = state.status;
      state.version += 1;
      state.status = to;
      if (to === "resolved") {
        state.resolved ??= at;
        state.closed = null;
      } else if (to === "closed") {
        state.resolved ??= at;
        state.closed ??= at;
      } else {
        state.resolved = null;
        state.closed = null;
      }
      if (actor && state.firstResponse === null) state.firstResponse = at;
      state.updated = at;
      event(at, "status_changed", actor, from, to, `{"version":${state.version}}`);
      sms(at, "ticket_status", `Update on ${number}: your request is now ${STATUS_WORDS[to]}.`, null);
    };
    const assign = (at: number, to: StaffMember, actor: StaffMember | null, atCreation: boolean) => {
      const from = state.assignee;
      if (!atCreation) state.version += 1;
      state.assignee = to;
      state.updated = at;
      event(at, "assigned", actor, from?.id ?? null, to.id, `{"version":${state.version}}`);
      sms(at, "ticket_assigned", `You were assigned ${number} (${state.priority}): ${subject}`, to);
    };
    const comment = (at: number, author: StaffMember, visibility: "internal" | "public", body: string) => {
      const commentId = this.ids.next();
      sink.comment([commentId, ticketId, author.id, body, visibility, "web", at]);
      event(at, "commented", author, null, visibility, `{"commentId":"${commentId}"}`);
      if (visibility === "public" && state.firstResponse === null) state.firstResponse = at;
      state.updated = at;
    };
    /** A customer's SMS reply: the inbound message and the public comment it became. */
    const smsReply = (at: number, body: string) => {
      if (!customerId || !customerPhone || at < this.smsSince) return false;
      const smsId = this.ids.next();
      sink.sms([
        smsId,
        "inbound",
        this.options.smsFrom,
        customerPhone,
        body,
        "inbound",
        ticketId,
        customerId,
        null,
        "received",
        null,
        this.ids.nextSid(),
        null,
        0,
        at,
        at,
      ]);
      sink.comment([this.ids.next(), ticketId, null, body, "public", "sms", at]);
      event(at, "sms_received", null, customerPhone, null, `{"smsId":"${smsId}"}`);
      state.updated = at;
      return true;
    };

    // Creation: the ticket, maybe its assignee, the customer's confirmation SMS.
    const description = r.pick(DESCRIPTIONS);
    const fromSms = customerId !== null && t0 >= this.smsSince && r.chance(0.03);
    if (fromSms) smsReply(t0, `${subject}. ${r.pick(CUSTOMER_REPLIES)}`);
    const createdBy = fromSms ? null : creator;
    event(
      t0,
      "created",
      createdBy,
      null,
      "open",
      `{"version":1,"priority":"${initialPriority}","category":"${category}"}`,
    );
    if (r.chance(0.35)) assign(t0, pickTech(), createdBy, true);
    sms(t0, "ticket_created", `Hi ${customerName}, we received your request ${number}: ${subject}.`, null);

    // About one ticket in a thousand gets stuck (forgotten, or the customer never answers): the overdue tail.
    const stuckAt = r.chance(0.001) ? r.int(3) : -1;
    const frHours = FIRST_RESPONSE_HOURS[initialPriority];
    const resolutionHours = RESOLUTION_HOURS[initialPriority];

    // Everything after creation, step by step until the story ends or reaches now.
    const play = (): void => {
      // Answered on the phone and closed at once (billing questions, a router restart on the call).
      const quick = category === "billing" || category === "other" ? 0.45 : customerId ? 0.2 : 0;
      if (stuckAt < 0 && r.chance(quick)) {
        const at = reach(t0 + r.between(2, 25) * MINUTE);
        if (at === null) return;
        if (r.chance(0.5)) comment(at, creator, "internal", r.pick(RESOLUTION_NOTES));
        const closeAt = reach(at, 1000);
        if (closeAt !== null) setStatus(closeAt, "closed", creator);
        return;
      }
      if (stuckAt === 0) return;
      if (!state.assignee) {
        const at = reach(t0 + r.logNormal(frHours * 0.5, 1) * HOUR);
        if (at === null) return;
        assign(at, pickTech(), creator, false);
      }
      const tech = () => state.assignee ?? creator;
      if (stuckAt === 1) return;
      {
        const at = reach(t0 + r.logNormal(frHours, 0.9) * HOUR);
        if (at === null) return;
        setStatus(at, "in_progress", tech());
      }
      if (r.chance(0.35)) {
        const at = reach(last + r.between(5, 90) * MINUTE);
        if (at === null) return;
        comment(at, tech(), "internal", r.pick(INTERNAL_NOTES));
      }
      if (r.chance(0.06)) {
        const at = reach(last + r.between(5, 60) * MINUTE);
        if (at === null) return;
        const to = state.priority === "urgent" || state.priority === "high" ? "normal" : "high";
        const from = state.priority;
        state.priority = to;
        state.version += 1;
        state.updated = at;
        const due = new Date(t0 + this.options.slaHours[to] * HOUR).toISOString();
        event(at, "priority_changed", tech(), from, to, `{"version":${state.version},"dueAt":"${due}"}`);
      }
      if (r.chance(0.07)) {
        const at = reach(last + r.between(30, 600) * MINUTE);
        if (at === null) return;
        let next = pickTech();
        if (next === state.assignee) next = pickTech();
        if (next !== state.assignee) assign(at, next, creator, false);
      }
      if (r.chance(0.15) || stuckAt === 2) {
        const at = reach(last + r.logNormal(resolutionHours * 0.3, 0.7) * HOUR);
        if (at === null) return;
        comment(at, tech(), "public", r.pick(PUBLIC_REPLIES));
        const waitAt = reach(at, 1000);
        if (waitAt === null) return;
        setStatus(waitAt, "waiting_on_customer", tech());
        if (stuckAt === 2) return;
        const replyAt = reach(last + r.logNormal(5, 1) * HOUR);
        if (replyAt === null) return;
        if (!(r.chance(0.5) && smsReply(replyAt, r.pick(CUSTOMER_REPLIES))) && r.chance(0.5)) {
          comment(replyAt, tech(), "internal", `Customer called back: ${r.pick(CUSTOMER_REPLIES)}`);
        }
        const backAt = reach(last + r.between(10, 90) * MINUTE);
        if (backAt === null) return;
        setStatus(backAt, "in_progress", tech());
      }
      const resolveAt = reach(t0 + r.logNormal(resolutionHours, 0.8) * HOUR);
      if (resolveAt === null) return;
      if (r.chance(0.6)) comment(resolveAt, tech(), "public", r.pick(RESOLUTION_NOTES));
      const doneAt = reach(resolveAt, 1000);
      if (doneAt === null) return;
      if (r.chance(0.6)) {
        setStatus(doneAt, "closed", tech());
        return;
      }
      setStatus(doneAt, "resolved", tech());
      if (r.chance(0.03)) {
        const at = reach(last + r.logNormal(20, 0.6) * HOUR);
        if (at === null) return;
        if (!smsReply(at, "Still not working")) comment(at, tech(), "internal", "Customer called: still not working.");
        const reopenAt = reach(at, 1000);
        if (reopenAt === null) return;
        setStatus(reopenAt, "in_progress", tech());
        const again = reach(last + r.logNormal(resolutionHours, 0.8) * HOUR);
        if (again === null) return;
        setStatus(again, "resolved", tech());
      }
      const closeAt = reach(last + r.between(2, 7) * DAY);
      if (closeAt === null) return;
      setStatus(closeAt, "closed", tech());
    };
    play();

    sink.ticket([
      ticketId,
      number,
      customerId,
      subject,
      description,
      category,
      state.priority,
      state.status,
      state.assignee?.id ?? null,
      createdBy?.id ?? null,
      t0 + this.options.slaHours[state.priority] * HOUR,
      state.firstResponse,
      state.resolved,
      state.closed,
      t0,
      state.updated,
      state.version,
    ]);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Number of entries in the ascending `values` that are <= `x`. */
function upperBound(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] as number) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const emailPart = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z]/g, "");

/**
 * Subscriber addresses from the carrier-grade NAT block (100.64.0.0/10, as ISPs hand out), 250
 * per /24 so none ends in .0, .1 or .255: distinct for every connected customer.
 */
function ipAddress(index: number): string {
  const subnet = Math.floor(index / 250);
  const host = (index % 250) + 2;
  return `100.${64 + (subnet >> 8)}.${subnet & 255}.${host}`;
}

/** The maker's OUI plus 24 bits that are distinct per customer (an odd multiplier permutes them). */
function macAddress(oui: string, index: number): string {
  const nic = Math.imul(index + 1, 0x9e3779b1) & 0xffffff;
  const hex = nic.toString(16).padStart(6, "0");
  return `${oui}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

function serialDigits(index: number): string {
  return (Math.imul(index + 1, 0x2545f491) >>> 0).toString(16).toUpperCase().padStart(8, "0");
}
