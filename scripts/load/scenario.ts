import { setTimeout as sleep } from "node:timers/promises";
import type { Customer, CustomerList } from "../../src/shared/customers.js";
import { OPEN_TICKET_STATUSES, type TicketStatus } from "../../src/shared/enums.js";
import type { SmsLogPage } from "../../src/shared/sms.js";
import type { TicketDetail, TicketList, TicketListItem, UpdateTicket } from "../../src/shared/tickets.js";
import type { UserList } from "../../src/shared/users.js";
import { type Random, weighted } from "../seed-demo/random.js";
import type { StaffClient } from "./http.js";
import type { StaffAccount } from "./staff.js";
import type { Recorder } from "./stats.js";
import {
  type CustomerSearchKind,
  commentText,
  customerSearchTerm,
  newTicketPriority,
  newTicketText,
  TICKET_SEARCH_WORDS,
} from "./vocabulary.js";

const OPEN = OPEN_TICKET_STATUSES.join(",");
/** The office is on the Colorado Front Range, like the demo data. */
const TIME_ZONE = "America/Denver";

export interface TicketRef {
  id: string;
  number: string;
}

/** The most recent items everybody has seen, for picking one at random (bounded, newest replace oldest). */
export class Pool<T extends { id: string }> {
  private readonly items: T[] = [];
  private readonly ids = new Set<string>();
  private next = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    if (this.ids.has(item.id)) return;
    if (this.items.length < this.capacity) {
      this.items.push(item);
    } else {
      const old = this.items[this.next];
      if (old) this.ids.delete(old.id);
      this.items[this.next] = item;
      this.next = (this.next + 1) % this.capacity;
    }
    this.ids.add(item.id);
  }

  pick(random: Random): T | undefined {
    return this.items.length === 0 ? undefined : random.pick(this.items);
  }
}

/** What all simulated staff learn from the app as they go: tickets and customers to open next. */
export interface SharedState {
  tickets: Pool<TicketRef>;
  customers: Pool<Customer>;
}

export type Action =
  | "my open queue"
  | "unassigned queue"
  | "overdue queue"
  | "all open queue"
  | "ticket search"
  | "open a ticket"
  | "customer search"
  | "open a customer"
  | "dashboard"
  | "add comment"
  | "change status"
  | "change assignee"
  | "create ticket"
  | "SMS log";

/**
 * What a person does next, by weight. A technician works their own queue and tickets; an admin
 * (office staff) watches the dashboard, the unassigned and overdue queues and the SMS log, and
 * assigns more. About one action in five writes.
 */
export const MIX: Record<"technician" | "admin", readonly (readonly [Action, number])[]> = {
  technician: [
    ["my open queue", 14],
    ["unassigned queue", 6],
    ["overdue queue", 4],
    ["all open queue", 8],
    ["ticket search", 6],
    ["open a ticket", 18],
    ["customer search", 14],
    ["open a customer", 8],
    ["dashboard", 4],
    ["add comment", 7],
    ["change status", 5],
    ["change assignee", 3],
    ["create ticket", 3],
    ["SMS log", 2],
  ],
  admin: [
    ["my open queue", 3],
    ["unassigned queue", 8],
    ["overdue queue", 8],
    ["all open queue", 10],
    ["ticket search", 6],
    ["open a ticket", 14],
    ["customer search", 12],
    ["open a customer", 8],
    ["dashboard", 12],
    ["add comment", 4],
    ["change status", 3],
    ["change assignee", 6],
    ["create ticket", 4],
    ["SMS log", 6],
  ],
};

const pickAction = {
  technician: weighted(MIX.technician),
  admin: weighted(MIX.admin),
  // Office agents do the office's work, as admins do.
  agent: weighted(MIX.admin),
};

/** How people search for a customer: mostly by name, often by the number they are calling from. */
const pickSearchKind = weighted<CustomerSearchKind>([
  ["name", 50],
  ["phone", 22],
  ["account", 10],
  ["ip", 7],
  ["mac", 6],
  ["email", 5],
]);

function nextStatus(status: TicketStatus, random: Random): TicketStatus {
  const roll = random.next();
  switch (status) {
    case "open":
      return roll < 0.7 ? "in_progress" : roll < 0.85 ? "waiting_on_customer" : "resolved";
    case "in_progress":
      return roll < 0.3 ? "waiting_on_customer" : roll < 0.9 ? "resolved" : "open";
    case "waiting_on_customer":
      return roll < 0.5 ? "in_progress" : "resolved";
    case "resolved":
      return roll < 0.7 ? "closed" : "open";
    case "closed":
      return "open";
  }
}

/**
 * One staff member: signs in once, then works until the deadline — an action, a pause to read
 * and think, the next action — reading what the app shows (queues, search results) to decide
 * what to open or change next, as a person clicking through the web app would. Requests that
 * the web app sends together (a ticket and its timeline) go out together.
 */
export class SimulatedStaff {
  private userId = "";
  private lastQueue: TicketListItem[] = [];
  private lastCustomers: Customer[] = [];
  /** The ticket page this person has open, as last read. */
  private current: TicketDetail | undefined;
  private assignable: string[] | undefined;

  constructor(
    private readonly client: StaffClient,
    readonly account: StaffAccount,
    private readonly shared: SharedState,
    private readonly random: Random,
    private readonly recorder: Recorder,
    private readonly thinkMs: { min: number; max: number },
  ) {}

  async signIn(): Promise<boolean> {
    const info = await this.client.signIn(this.account.email, this.account.password);
    if (!info) return false;
    this.userId = info.user.id;
    return true;
  }

  async signOut(): Promise<void> {
    await this.client.signOut();
  }

  /** Works until the deadline or until `stop` aborts; the action under way is finished. */
  async work(deadline: number, stop: AbortSignal): Promise<void> {
    while (Date.now() < deadline && !stop.aborted) {
      const action = pickAction[this.account.role](this.random);
      this.recorder.performedAction(action);
      await this.perform(action);
      await this.pause(deadline, stop);
    }
  }

  private async pause(deadline: number, stop: AbortSignal) {
    const wanted = this.random.between(this.thinkMs.min, this.thinkMs.max);
    const ms = Math.min(wanted, Math.max(0, deadline - Date.now()));
    await sleep(ms, undefined, { signal: stop }).catch(() => undefined);
  }

  private perform(action: Action): Promise<void> {
    switch (action) {
      case "my open queue":
        return this.queue("queue: my open", {
          assigneeId: "me",
          status: OPEN,
          sort: this.random.pick(["due", "-priority", "-created"]),
        });
      case "unassigned queue":
        return this.queue("queue: unassigned", { assigneeId: "none", status: OPEN, sort: "-created" });
      case "overdue queue":
        return this.queue("queue: overdue", { overdue: "true", sort: "due" });
      case "all open queue":
        return this.queue("queue: all open", {
          status: OPEN,
          sort: this.random.pick(["-created", "due", "-priority", "-updated"]),
        });
      case "ticket search":
        return this.ticketSearch();
      case "open a ticket":
        return this.openSomeTicket();
      case "customer search":
        return this.customerSearch();
      case "open a customer":
        return this.openSomeCustomer();
      case "dashboard":
        return this.dashboard();
      case "add comment":
        return this.addComment();
      case "change status":
        return this.changeTicket("ticket: change status", (ticket) => ({
          status: nextStatus(ticket.status, this.random),
        }));
      case "change assignee":
        return this.changeAssignee();
      case "create ticket":
        return this.createTicket();
      case "SMS log":
        return this.smsLog();
    }
  }

  private rememberTickets(items: readonly TicketListItem[]) {
    for (const item of items) this.shared.tickets.add({ id: item.id, number: item.number });
  }

  private async queue(label: string, query: Record<string, string>) {
    const page = await this.client.get<TicketList>(label, "/api/tickets", { ...query, limit: 50 });
    if (!page.ok) return;
    this.lastQueue = page.body.items;
    this.rememberTickets(page.body.items);
    // Now and then someone scrolls to "Load more".
    if (page.body.nextCursor && this.random.chance(0.15)) {
      const more = await this.client.get<TicketList>("queue: next page", "/api/tickets", {
        ...query,
        limit: 50,
        cursor: page.body.nextCursor,
      });
      if (more.ok) this.rememberTickets(more.body.items);
    }
  }

  private async ticketSearch() {
    const known = this.shared.tickets.pick(this.random);
    let q: string;
    if (known && this.random.chance(0.4)) {
      // Ticket numbers as people say them: "T-004211", "t4211", "4211".
      const digits = String(Number(known.number.replace(/\D/g, "")));
      q = this.random.pick([known.number, `t${digits}`, digits]);
    } else {
      q = this.random.pick(TICKET_SEARCH_WORDS);
    }
    const page = await this.client.get<TicketList>("queue: search", "/api/tickets", { q, limit: 50 });
    if (!page.ok) return;
    if (page.body.items.length === 0) this.recorder.note("queue: search found nothing");
    this.lastQueue = page.body.items;
    this.rememberTickets(page.body.items);
  }

  /** Opens a ticket from the list on screen, or one seen earlier. */
  private pickTicket(): TicketRef | undefined {
    if (this.lastQueue.length > 0 && this.random.chance(0.85)) return this.random.pick(this.lastQueue);
    return this.shared.tickets.pick(this.random);
  }

  private async openTicket(ticket: TicketRef): Promise<TicketDetail | undefined> {
    const [detail] = await Promise.all([
      this.client.get<TicketDetail>("ticket: detail", `/api/tickets/${ticket.id}`),
      this.client.get("ticket: timeline", `/api/tickets/${ticket.id}/timeline`),
    ]);
    if (!detail.ok) return undefined;
    this.current = detail.body;
    return detail.body;
  }

  private async openSomeTicket() {
    const ticket = this.pickTicket();
    if (ticket) await this.openTicket(ticket);
    else await this.perform("all open queue");
  }

  /** The ticket page to act on: usually the one already open, else one from the queue, read first. */
  private async ticketToWorkOn(): Promise<TicketDetail | undefined> {
    if (this.current && this.random.chance(0.6)) return this.current;
    const ticket = this.pickTicket();
    if (!ticket) return undefined;
    const detail = await this.openTicket(ticket);
    // Reading the ticket before acting on it: the window in which someone else may change it.
    if (detail) await sleep(this.random.between(this.thinkMs.min, this.thinkMs.max));
    return detail;
  }

  private async addComment() {
    const ticket = await this.ticketToWorkOn();
    if (!ticket) return;
    const created = await this.client.send("ticket: add comment", "POST", `/api/tickets/${ticket.id}/comments`, {
      body: commentText(this.random),
    });
    if (created.ok) await this.client.get("ticket: timeline", `/api/tickets/${ticket.id}/timeline`);
  }

  /**
   * PATCH with the version on screen. A 409 means someone saved in between: like the web app,
   * read the ticket again and apply the change to the current values (up to two retries).
   */
  private async changeTicket(label: string, change: (ticket: TicketDetail) => Omit<UpdateTicket, "version">) {
    let ticket = await this.ticketToWorkOn();
    for (let attempt = 0; ticket && attempt < 3; attempt++) {
      const saved = await this.client.send<TicketDetail>(label, "PATCH", `/api/tickets/${ticket.id}`, {
        body: { ...change(ticket), version: ticket.version },
        conflictAllowed: true,
      });
      if (saved.ok) {
        this.current = saved.body;
        await this.client.get("ticket: timeline", `/api/tickets/${ticket.id}/timeline`);
        return;
      }
      if (!saved.conflict) return;
      const fresh = await this.client.get<TicketDetail>("ticket: re-read after conflict", `/api/tickets/${ticket.id}`);
      ticket = fresh.ok ? fresh.body : undefined;
      this.current = ticket;
    }
  }

  private async changeAssignee() {
    // The assignee menu lists active staff; the web app loads it once and keeps it.
    if (!this.assignable) {
      const staff = await this.client.get<UserList>("staff list (assignee menu)", "/api/users", {
        limit: 200,
        active: "true",
      });
      if (!staff.ok) return;
      this.assignable = staff.body.items.map((user) => user.id);
    }
    const others = this.assignable;
    await this.changeTicket("ticket: change assignee", (ticket) => {
      const someoneElse = this.random.pick(others);
      const toMe = ticket.assigneeId !== this.userId && this.random.chance(0.6);
      return { assigneeId: toMe ? this.userId : someoneElse };
    });
  }

  private async customerSearch() {
    const known = this.shared.customers.pick(this.random);
    if (!known) return;
    // A customer without the detail drawn (no email, no MAC) is looked up by name instead.
    let kind = pickSearchKind(this.random);
    let q = customerSearchTerm(known, kind, this.random);
    if (q === undefined) {
      kind = "name";
      q = customerSearchTerm(known, kind, this.random);
    }
    if (!q) return;
    // The customers page lists 50; the quick search in the header shows 10.
    const limit = this.random.chance(0.6) ? 50 : 10;
    const found = await this.client.get<CustomerList>(`customer search: ${kind}`, "/api/customers", { q, limit });
    if (!found.ok) return;
    if (found.body.items.length === 0) this.recorder.note(`customer search: ${kind} found nothing`);
    this.lastCustomers = found.body.items;
    for (const customer of found.body.items) this.shared.customers.add(customer);
  }

  private async openSomeCustomer() {
    const customer =
      this.lastCustomers.length > 0 && this.random.chance(0.8)
        ? this.random.pick(this.lastCustomers)
        : this.shared.customers.pick(this.random);
    if (!customer) return;
    const [, customerTickets] = await Promise.all([
      this.client.get("customer: detail", `/api/customers/${customer.id}`),
      this.client.get<TicketList>("customer: tickets", "/api/tickets", { customerId: customer.id, limit: 50 }),
      this.client.get("customer: SMS", "/api/sms", { customerId: customer.id, limit: 20 }),
    ]);
    if (customerTickets.ok) {
      this.lastQueue = customerTickets.body.items;
      this.rememberTickets(customerTickets.body.items);
    }
  }

  private async dashboard() {
    await this.client.get("dashboard", "/api/dashboard", { tz: TIME_ZONE });
  }

  private async createTicket() {
    // The customer picker: type part of the name, choose from the ten suggestions.
    const known = this.shared.customers.pick(this.random);
    if (!known) return;
    const q = customerSearchTerm(known, "name", this.random) ?? known.name;
    const suggestions = await this.client.get<CustomerList>("customer search: picker", "/api/customers", {
      q,
      limit: 10,
    });
    if (!suggestions.ok) return;
    const customer = suggestions.body.items.length > 0 ? this.random.pick(suggestions.body.items) : known;
    const roll = this.random.next();
    const assigneeId = roll < 0.5 ? this.userId : roll < 0.8 ? null : (this.random.pick(this.assignable ?? []) ?? null);
    const created = await this.client.send<TicketDetail>("ticket: create", "POST", "/api/tickets", {
      body: {
        customerId: customer.id,
        ...newTicketText(this.random),
        priority: newTicketPriority(this.random),
        assigneeId,
      },
    });
    if (!created.ok) return;
    this.current = created.body;
    this.shared.tickets.add({ id: created.body.id, number: created.body.number });
    await this.client.get("ticket: timeline", `/api/tickets/${created.body.id}/timeline`);
  }

  private async smsLog() {
    const filter = this.random.pick<Record<string, string>>([
      {},
      {},
      {},
      { status: "failed" },
      { direction: "inbound" },
      { purpose: "manual" },
    ]);
    await this.client.get<SmsLogPage>("SMS log", "/api/sms", { ...filter, limit: 50 });
  }
}
