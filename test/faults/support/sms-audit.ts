import type { StandInMessage } from "../../support/twilio-stand-in.js";

/** The ticket number in a "ticket created" message (the default template names it). */
export function ticketNumberIn(body: string): string | null {
  return /opened ticket (T-\d+) /.exec(body)?.[1] ?? null;
}

export interface OutboxRow {
  ticket_number: string;
  to_number: string;
  status: string;
  attempts: number;
  provider_sid: string | null;
}

export interface SmsAudit {
  /** Outbox rows for "ticket created". */
  rows: number;
  /** Rows whose message reached the stand-in exactly once, to the right number, with the SID recorded. */
  exactlyOnce: number;
  /** Ticket numbers whose message reached the stand-in more than once (the customer got it twice). */
  doubled: string[];
  /** Rows whose message never reached the stand-in. */
  missing: string[];
  /** Messages for a ticket the database does not have (a rolled-back write that still texted). */
  phantom: string[];
  /** Rows not `sent`. */
  notSent: string[];
  /** Sent to another number than the row's. */
  misrouted: string[];
}

/** Compares the outbox with what the stand-in accepted, message by message. */
export function auditSms(rows: readonly OutboxRow[], messages: readonly StandInMessage[]): SmsAudit {
  const byTicket = new Map<string, StandInMessage[]>();
  for (const message of messages) {
    const number = ticketNumberIn(message.body) ?? `(unreadable: ${message.body})`;
    byTicket.set(number, [...(byTicket.get(number) ?? []), message]);
  }
  const known = new Set(rows.map((row) => row.ticket_number));
  const audit: SmsAudit = {
    rows: rows.length,
    exactlyOnce: 0,
    doubled: [],
    missing: [],
    phantom: [...byTicket.keys()].filter((number) => !known.has(number)),
    notSent: [],
    misrouted: [],
  };
  for (const row of rows) {
    const received = byTicket.get(row.ticket_number) ?? [];
    if (row.status !== "sent") audit.notSent.push(`${row.ticket_number} (${row.status})`);
    if (received.some((message) => message.to !== row.to_number)) audit.misrouted.push(row.ticket_number);
    if (received.length === 0) audit.missing.push(row.ticket_number);
    else if (received.length > 1) audit.doubled.push(row.ticket_number);
    else if (received[0]?.sid === row.provider_sid) audit.exactlyOnce++;
  }
  return audit;
}

/** The outbox rows of "ticket created" messages, with their ticket numbers. */
export const OUTBOX_QUERY = `select t.number as ticket_number, s.to_number, s.status::text as status, s.attempts, s.provider_sid
  from sms_logs s join tickets t on t.id = s.ticket_id
  where s.purpose = 'ticket_created' order by t.number`;
