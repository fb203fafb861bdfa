import type { TicketStatus } from "../../shared/enums.js";
import type { Equipment, Position, VisitComplete, VisitDetail } from "../../shared/visits.js";
import { ApiError, errorMessage } from "../app/api.js";

/**
 * The Done report on a phone with a flaky connection: nothing typed is lost, nothing is recorded
 * twice. What the technician types is kept in the phone's storage as it is typed, one draft per
 * visit. Sending freezes the body with one Idempotency-Key, both kept with the draft; a send
 * without an answer (no network, a gateway's error) keeps them and is retried — by the Retry
 * button, when the browser comes back online, and every half minute — with the same key and body,
 * so the server, which may have recorded the first, answers the retry from it instead of
 * completing the visit twice. The draft is removed only when the server has confirmed.
 */

/** What the Done form holds, as typed. */
export interface ReportFields {
  report: string;
  cpeModel: string;
  cpeSerial: string;
  macAddress: string;
  /** The ticket's status after the visit (the current one: no change). */
  ticketStatus: TicketStatus;
}

export interface ReportDraft extends ReportFields {
  /** A send without an answer yet: the exact body and the key every retry repeats. */
  pending: { key: string; body: VisitComplete } | null;
}

/** The part of the Web Storage API the outbox uses (localStorage in the browser). */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

export type SendReport = (visitId: string, body: VisitComplete, idempotencyKey: string) => Promise<VisitDetail>;

/** Where a visit's report stands on this phone. */
export interface ReportState {
  sending: boolean;
  /**
   * offline: sent without an answer, kept to send again; refused: the server said no (the draft
   * stays, editable, for another try).
   */
  problem: { kind: "offline" | "refused"; message: string } | null;
}

export type SendOutcome =
  | { kind: "sent"; visit: VisitDetail }
  | { kind: "kept"; message: string }
  | { kind: "refused"; message: string; error: unknown };

const PREFIX = "uplink.visit-report.";
const IDLE: ReportState = { sending: false, problem: null };

/**
 * Answers that say nothing about whether the report was recorded, or that it was not yet: no
 * answer at all, a gateway's, the server's own failure (its transaction rolled back), the first
 * request still running, an expired session (signing in again sends it). Any other answer is the
 * server's "no" to this body: the key is released, the technician can change the report and send it.
 */
export function isWorthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return (
    error.status === 0 ||
    error.status === 401 ||
    error.status === 408 ||
    error.status === 429 ||
    error.status >= 500 ||
    error.problem.code === "idempotency.in_flight"
  );
}

/** The equipment fields of a form: "" for none, so an unchanged empty field compares equal. */
export const equipmentFields = (equipment: Equipment | null | undefined) => ({
  cpeModel: equipment?.cpeModel ?? "",
  cpeSerial: equipment?.cpeSerial ?? "",
  macAddress: equipment?.macAddress ?? "",
});

/**
 * The body of a completion: the report, only the equipment fields that differ from what the
 * customer has (an emptied field clears it), the ticket's status if it changes, the position if shared.
 */
export function completionBody(
  fields: ReportFields,
  current: { equipment: Equipment | null; ticketStatus: TicketStatus },
  position: Position | null,
): VisitComplete {
  const before = equipmentFields(current.equipment);
  const equipment: NonNullable<VisitComplete["equipment"]> = {};
  for (const key of ["cpeModel", "cpeSerial", "macAddress"] as const) {
    const value = fields[key].trim();
    if (value !== before[key].trim()) equipment[key] = value === "" ? null : value;
  }
  return {
    report: fields.report.trim(),
    ...(Object.keys(equipment).length > 0 ? { equipment } : {}),
    ...(fields.ticketStatus !== current.ticketStatus ? { ticketStatus: fields.ticketStatus } : {}),
    ...(position ? { position } : {}),
  };
}

export class ReportOutbox {
  private readonly states = new Map<string, ReportState>();
  private readonly inFlight = new Map<string, Promise<SendOutcome>>();
  private readonly listeners = new Set<() => void>();
  private readonly sentListeners = new Set<(visit: VisitDetail) => void>();
  /** Bumped on every change: the snapshot React compares (useSyncExternalStore). */
  private revision = 0;
  /** Drafts whose storage write failed (storage full or disabled): kept in memory for this page's life. */
  private readonly memory = new Map<string, ReportDraft>();

  constructor(
    private readonly storage: DraftStorage | null,
    private readonly send: SendReport,
    private readonly newKey: () => string = () => crypto.randomUUID(),
  ) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  getRevision = () => this.revision;

  /** Called with the server's visit whenever a report is confirmed (the page refreshes its data). */
  onSent(listener: (visit: VisitDetail) => void) {
    this.sentListeners.add(listener);
    return () => {
      this.sentListeners.delete(listener);
    };
  }

  private changed() {
    this.revision += 1;
    for (const listener of this.listeners) listener();
  }

  draft(visitId: string): ReportDraft | null {
    const kept = this.memory.get(visitId);
    if (kept) return kept;
    try {
      const text = this.storage?.getItem(PREFIX + visitId);
      return text ? (JSON.parse(text) as ReportDraft) : null;
    } catch {
      return null;
    }
  }

  private write(visitId: string, draft: ReportDraft | null) {
    if (draft === null) {
      this.memory.delete(visitId);
      try {
        this.storage?.removeItem(PREFIX + visitId);
      } catch {
        // Nothing to keep: the report is on the server.
      }
    } else {
      try {
        if (!this.storage) throw new Error("no storage");
        this.storage.setItem(PREFIX + visitId, JSON.stringify(draft));
        this.memory.delete(visitId);
      } catch {
        this.memory.set(visitId, draft);
      }
    }
    this.changed();
  }

  state(visitId: string): ReportState {
    return this.states.get(visitId) ?? IDLE;
  }

  private setState(visitId: string, state: ReportState) {
    this.states.set(visitId, state);
    this.changed();
  }

  /** Keeps what is typed. A draft waiting to be sent keeps its frozen body: only the send changes it. */
  saveFields(visitId: string, fields: ReportFields) {
    const current = this.draft(visitId);
    if (current?.pending) return;
    this.write(visitId, { ...fields, pending: null });
  }

  /** Drops a draft the technician no longer wants (never one whose send may have reached the server). */
  discard(visitId: string) {
    if (this.draft(visitId)?.pending) return;
    this.states.delete(visitId);
    this.write(visitId, null);
  }

  /** Freezes the body with a new key and sends it. */
  submit(visitId: string, fields: ReportFields, body: VisitComplete): Promise<SendOutcome> {
    const current = this.draft(visitId);
    if (current?.pending) return this.retry(visitId);
    this.write(visitId, { ...fields, pending: { key: this.newKey(), body } });
    return this.retry(visitId);
  }

  /** Sends a waiting draft again, same key and body; one send per visit at a time. */
  retry(visitId: string): Promise<SendOutcome> {
    const running = this.inFlight.get(visitId);
    if (running) return running;
    const pending = this.draft(visitId)?.pending;
    if (!pending) {
      return Promise.resolve({ kind: "refused", message: "Nothing to send.", error: null });
    }
    const attempt = this.attempt(visitId, pending).finally(() => this.inFlight.delete(visitId));
    this.inFlight.set(visitId, attempt);
    return attempt;
  }

  private async attempt(visitId: string, pending: NonNullable<ReportDraft["pending"]>): Promise<SendOutcome> {
    this.setState(visitId, { ...this.state(visitId), sending: true });
    try {
      const visit = await this.send(visitId, pending.body, pending.key);
      this.states.delete(visitId);
      this.write(visitId, null);
      for (const listener of this.sentListeners) listener(visit);
      return { kind: "sent", visit };
    } catch (error) {
      if (isWorthRetrying(error)) {
        const message = errorMessage(error);
        this.setState(visitId, { sending: false, problem: { kind: "offline", message } });
        return { kind: "kept", message };
      }
      // The server refused this body and recorded nothing: the key goes, the typed fields stay.
      const draft = this.draft(visitId);
      if (draft) this.write(visitId, { ...draft, pending: null });
      const message = errorMessage(error);
      this.setState(visitId, { sending: false, problem: { kind: "refused", message } });
      return { kind: "refused", message, error };
    }
  }

  /** The visits with a send waiting, as this phone's storage holds them. */
  pendingVisitIds(): string[] {
    const ids = new Set<string>();
    for (const [id, draft] of this.memory) if (draft.pending) ids.add(id);
    try {
      for (let index = 0; this.storage && index < this.storage.length; index++) {
        const key = this.storage.key(index);
        if (key?.startsWith(PREFIX) && this.draft(key.slice(PREFIX.length))?.pending) ids.add(key.slice(PREFIX.length));
      }
    } catch {
      // Unreadable storage: only what this page holds in memory.
    }
    return [...ids];
  }

  /** Sends every waiting draft (back online, the page opened, the periodic try). */
  retryAll(): Promise<SendOutcome[]> {
    return Promise.all(this.pendingVisitIds().map((id) => this.retry(id)));
  }
}
