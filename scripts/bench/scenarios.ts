import type { Fixtures, SearchCase } from "./fixtures.js";

export const SCENARIO_IDS = [
  "sign-in",
  "queue-open",
  "queue-mine",
  "queue-unassigned",
  "queue-overdue",
  "queue-search",
  "queue-customer",
  "ticket-detail",
  "ticket-timeline",
  "customer-phone",
  "customer-ip",
  "customer-mac",
  "customer-account",
  "customer-name-typo",
  "dashboard",
  "ticket-create",
  "comment-create",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Which of the issue's targets applies. */
export type ScenarioGroup = "sign-in" | "queue" | "ticket-detail" | "customer-search" | "dashboard" | "write";

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  /** Checks a 2xx answer's content before the load starts: a message when it is wrong. */
  check?: (body: unknown) => string | null;
  /** Like check, but a miss is only reported (search quality), not fatal. */
  soft?: boolean;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  group: ScenarioGroup;
  /** Who is signed in: the busy technician for "mine" and the dashboard, else the admin. */
  session: "none" | "admin" | "technician";
  /** Rows each request adds (said in the report). */
  writes?: string;
  /** What the reader of the figures should know. */
  note?: string;
  variants: RequestSpec[];
}

const OPEN = "open,in_progress,waiting_on_customer";
/** The description of every ticket the benchmark opens: later runs count them. */
export const BENCH_TICKET_DESCRIPTION = "Opened by npm run bench.";
const tz = "America/Denver";

const query = (path: string, params: Record<string, string | number>) =>
  `${path}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`;

function itemsOf(body: unknown): { id?: string }[] {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as { id?: string }[]) : [];
}

const hasItems = (body: unknown) => (itemsOf(body).length > 0 ? null : "the answer holds no items");

function customerSearch(cases: SearchCase[], soft = false): RequestSpec[] {
  return cases.map((search) => ({
    method: "GET",
    path: query("/api/customers", { q: search.q, limit: 25 }),
    soft,
    check: (body) =>
      itemsOf(body).some((item) => item.id === search.customerId)
        ? null
        : `"${search.q}" did not find the customer (${search.note})`,
  }));
}

const SUBJECTS: [string, string][] = [
  ["No internet since this morning", "no_service"],
  ["Speeds far below plan in the evening", "slow_speed"],
  ["Connection drops several times a day", "intermittent"],
  ["Router keeps rebooting", "equipment"],
  ["Question about the last invoice", "billing"],
];

export function buildScenarios(fixtures: Fixtures): Scenario[] {
  const queue = (params: Record<string, string | number>, check = hasItems): RequestSpec[] => [
    { method: "GET", path: query("/api/tickets", { ...params, limit: 50 }), check },
  ];
  const anyAnswer = () => null;
  return [
    {
      id: "sign-in",
      title: "Sign in (argon2id password check)",
      group: "sign-in",
      session: "none",
      writes: "a session row and an audit row",
      note: "each sign-in verifies an argon2id hash, slow by design (the raw SQL has no hashing, so its ratio is low by design)",
      variants: fixtures.signInAccounts.map((account) => ({
        method: "POST",
        path: "/api/auth/login",
        body: account,
      })),
    },
    {
      id: "queue-open",
      title: "Ticket queue: all open, newest first",
      group: "queue",
      session: "admin",
      variants: queue({ status: OPEN, sort: "-created" }),
    },
    {
      id: "queue-mine",
      title: `Ticket queue: mine, due soonest (${fixtures.technician.email}, ${fixtures.technician.openTickets} open)`,
      group: "queue",
      session: "technician",
      variants: queue({ assigneeId: "me", status: OPEN, sort: "due" }),
    },
    {
      id: "queue-unassigned",
      title: "Ticket queue: unassigned, newest first",
      group: "queue",
      session: "admin",
      variants: queue({ assigneeId: "none", status: OPEN, sort: "-created" }, anyAnswer),
    },
    {
      id: "queue-overdue",
      title: "Ticket queue: overdue, due soonest",
      group: "queue",
      session: "admin",
      variants: queue({ overdue: "true", sort: "due" }, anyAnswer),
    },
    {
      id: "queue-search",
      title: `Ticket queue: text search (${fixtures.queueSearch.map((q) => `"${q}"`).join(", ")})`,
      group: "queue",
      session: "admin",
      variants: fixtures.queueSearch.flatMap((q) => queue({ q, sort: "-created" })),
    },
    {
      id: "queue-customer",
      title: "Ticket queue: text search naming a customer (name, phone in national format, account number)",
      group: "queue",
      session: "admin",
      note: "matching customers are read first (their indexes), then their tickets by customer_id",
      variants: fixtures.queueByCustomer.map((search) => ({
        method: "GET",
        path: query("/api/tickets", { q: search.q, sort: "-created", limit: 50 }),
        soft: true,
        check: (body) =>
          (body as { items?: { customer?: { id?: string } | null }[] }).items?.some(
            (item) => item.customer?.id === search.customerId,
          )
            ? null
            : `"${search.q}" did not find a ticket of the customer (${search.note})`,
      })),
    },
    {
      id: "ticket-detail",
      title: "Ticket page: the ticket with its customer card",
      group: "ticket-detail",
      session: "admin",
      variants: fixtures.timelineTickets.map((ticket) => ({
        method: "GET",
        path: `/api/tickets/${ticket.id}`,
        check: (body) =>
          (body as { number?: string }).number === ticket.number ? null : `expected ticket ${ticket.number}`,
      })),
    },
    {
      id: "ticket-timeline",
      title: "Ticket page: its timeline (comments and events)",
      group: "ticket-detail",
      session: "admin",
      variants: fixtures.timelineTickets.map((ticket) => ({
        method: "GET",
        path: `/api/tickets/${ticket.id}/timeline`,
        check: (body) => {
          const n = itemsOf(body).length;
          return n === ticket.entries ? null : `expected ${ticket.entries} timeline entries, got ${n}`;
        },
      })),
    },
    {
      id: "customer-phone",
      title: "Customer search: phone in national format",
      group: "customer-search",
      session: "admin",
      variants: customerSearch(fixtures.customerSearch.phone),
    },
    {
      id: "customer-ip",
      title: "Customer search: IP address",
      group: "customer-search",
      session: "admin",
      variants: customerSearch(fixtures.customerSearch.ip),
    },
    {
      id: "customer-mac",
      title: "Customer search: MAC in another notation",
      group: "customer-search",
      session: "admin",
      variants: customerSearch(fixtures.customerSearch.mac),
    },
    {
      id: "customer-account",
      title: "Customer search: account number",
      group: "customer-search",
      session: "admin",
      variants: customerSearch(fixtures.customerSearch.account),
    },
    {
      id: "customer-name-typo",
      title: "Customer search: name with a typo",
      group: "customer-search",
      session: "admin",
      variants: customerSearch(fixtures.customerSearch.nameTypo, true),
    },
    {
      id: "dashboard",
      title: `Dashboard (as ${fixtures.technician.email}, tz ${tz})`,
      group: "dashboard",
      session: "technician",
      variants: [{ method: "GET", path: query("/api/dashboard", { tz }) }],
    },
    {
      id: "ticket-create",
      title: "Create a ticket (with its event, audit row and SMS outbox row)",
      group: "write",
      session: "admin",
      writes:
        "a ticket, its created event, an audit row and an SMS to the customer (queued, sent to the Twilio stand-in)",
      variants: fixtures.textableCustomers.map((customer, i) => {
        const [subject, category] = SUBJECTS[i % SUBJECTS.length] ?? SUBJECTS[0]!;
        return {
          method: "POST",
          path: "/api/tickets",
          body: {
            customerId: customer.id,
            subject,
            category,
            priority: i % 4 === 0 ? "high" : "normal",
            description: BENCH_TICKET_DESCRIPTION,
          },
        };
      }),
    },
    {
      id: "comment-create",
      title: "Add an internal comment to an open ticket",
      group: "write",
      session: "admin",
      writes: "a comment and its commented event",
      variants: fixtures.openTickets.map((ticket) => ({
        method: "POST",
        path: `/api/tickets/${ticket.id}/comments`,
        body: { body: "Checked the line from the office; signal levels look normal. (npm run bench)" },
      })),
    },
  ];
}
