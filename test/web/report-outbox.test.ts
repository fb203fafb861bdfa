import { describe, expect, it } from "vitest";
import type { VisitComplete, VisitDetail } from "../../src/shared/visits.js";
import { ApiError } from "../../src/web/app/api.js";
import {
  completionBody,
  type DraftStorage,
  type ReportFields,
  ReportOutbox,
} from "../../src/web/visits/report-outbox.js";

/** localStorage's interface over a Map: what a phone keeps across reloads. */
class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
}

const problem = (status: number, code: string) =>
  new ApiError(status, { type: "about:blank", title: code, status, code, detail: `${code} happened.` });
const offline = () => problem(0, "network.unreachable");

/** A server that records each completion once per Idempotency-Key, as the real one does. */
function fakeServer(failures: unknown[] = []) {
  const calls: { visitId: string; body: VisitComplete; key: string }[] = [];
  const recorded = new Map<string, VisitDetail>();
  const send = async (visitId: string, body: VisitComplete, key: string) => {
    calls.push({ visitId, body, key });
    const failure = failures.shift();
    if (failure === "after-recording") {
      recorded.set(key, { id: visitId, status: "completed" } as VisitDetail);
      throw offline();
    }
    if (failure) throw failure;
    const visit = recorded.get(key) ?? ({ id: visitId, status: "completed" } as VisitDetail);
    recorded.set(key, visit);
    return visit;
  };
  return { send, calls, recorded };
}

const fields: ReportFields = {
  report: "Replaced the dish, aligned to the tower: -58 dBm.",
  cpeModel: "LiteBeam 5AC",
  cpeSerial: "LB-NEW-002",
  macAddress: "",
  ticketStatus: "resolved",
};

describe("the Done report outbox", () => {
  it("sends only what changed: the report, the swapped serial, the new ticket status", () => {
    const body = completionBody(
      { ...fields, report: "  Replaced the dish.  " },
      { equipment: { cpeModel: "LiteBeam 5AC", cpeSerial: "LB-OLD-001", macAddress: null }, ticketStatus: "open" },
      null,
    );
    expect(body).toEqual({
      report: "Replaced the dish.",
      equipment: { cpeSerial: "LB-NEW-002" },
      ticketStatus: "resolved",
    });
    // An emptied field clears it; nothing changed, no equipment at all.
    expect(
      completionBody(
        { ...fields, cpeModel: "" },
        {
          equipment: { cpeModel: "LiteBeam 5AC", cpeSerial: "LB-NEW-002", macAddress: null },
          ticketStatus: "resolved",
        },
        { latitude: 40, longitude: -105, accuracy: 12 },
      ),
    ).toEqual({
      report: fields.report,
      equipment: { cpeModel: null },
      position: { latitude: 40, longitude: -105, accuracy: 12 },
    });
  });

  it("keeps what is typed, per visit, across a reload of the page", () => {
    const storage = new MemoryStorage();
    const first = new ReportOutbox(storage, fakeServer().send);
    first.saveFields("visit-1", { ...fields, report: "Half a sent" });
    first.saveFields("visit-2", { ...fields, report: "Another visit" });
    const reloaded = new ReportOutbox(storage, fakeServer().send);
    expect(reloaded.draft("visit-1")).toMatchObject({ report: "Half a sent", pending: null });
    expect(reloaded.draft("visit-2")?.report).toBe("Another visit");
  });

  it("keeps a report whose answer was lost, retries it with the same key and body, and clears it only when confirmed: recorded once", async () => {
    const storage = new MemoryStorage();
    // The first request reaches the server and is recorded, but its answer is lost; the retry is offline too.
    const server = fakeServer(["after-recording", offline()]);
    let keys = 0;
    const outbox = new ReportOutbox(storage, server.send, () => `key-${++keys}`);
    const body = completionBody(fields, { equipment: null, ticketStatus: "open" }, null);

    const outcome = await outbox.submit("visit-1", fields, body);
    expect(outcome.kind).toBe("kept");
    expect(outbox.state("visit-1").problem?.kind).toBe("offline");
    expect(outbox.draft("visit-1")?.pending).toEqual({ key: "key-1", body });
    // Typing more while it waits does not change what will be sent.
    outbox.saveFields("visit-1", { ...fields, report: "changed after sending" });
    expect(outbox.draft("visit-1")?.pending?.body.report).toBe(fields.report);
    expect(outbox.pendingVisitIds()).toEqual(["visit-1"]);

    // A reload: a new page, the same phone storage; the retry (back online) is still refused by the network.
    const reloaded = new ReportOutbox(storage, server.send, () => `key-${++keys}`);
    expect((await reloaded.retryAll())[0]?.kind).toBe("kept");
    // Back online: the same key and body again; the server answers from the first.
    const sent = await reloaded.retry("visit-1");
    expect(sent.kind).toBe("sent");
    expect(server.calls.map((call) => call.key)).toEqual(["key-1", "key-1", "key-1"]);
    expect(server.calls.every((call) => JSON.stringify(call.body) === JSON.stringify(body))).toBe(true);
    expect(server.recorded.size).toBe(1);
    expect(reloaded.draft("visit-1")).toBeNull();
    expect(storage.items.size).toBe(0);
    expect(reloaded.pendingVisitIds()).toEqual([]);
  });

  it("sends one request at a time per visit, however often Retry is pressed", async () => {
    let release: (visit: VisitDetail) => void = () => {};
    const calls: string[] = [];
    const outbox = new ReportOutbox(new MemoryStorage(), (_id, _body, key) => {
      calls.push(key);
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const first = outbox.submit(
      "visit-1",
      fields,
      completionBody(fields, { equipment: null, ticketStatus: "open" }, null),
    );
    const again = outbox.retry("visit-1");
    const andAgain = outbox.retryAll();
    expect(outbox.state("visit-1").sending).toBe(true);
    release({ id: "visit-1" } as VisitDetail);
    expect((await first).kind).toBe("sent");
    expect((await again).kind).toBe("sent");
    await andAgain;
    expect(calls).toHaveLength(1);
    expect(outbox.state("visit-1").sending).toBe(false);
  });

  it("on the server's refusal releases the key but keeps the typed report for another try", async () => {
    const storage = new MemoryStorage();
    const server = fakeServer([problem(422, "validation.failed")]);
    let keys = 0;
    const outbox = new ReportOutbox(storage, server.send, () => `key-${++keys}`);
    const body = completionBody(fields, { equipment: null, ticketStatus: "open" }, null);
    const refused = await outbox.submit("visit-1", fields, body);
    expect(refused.kind).toBe("refused");
    expect(outbox.state("visit-1").problem).toEqual({ kind: "refused", message: "validation.failed happened." });
    expect(outbox.draft("visit-1")).toMatchObject({ report: fields.report, pending: null });
    // Corrected and sent again: a new action, a new key.
    expect((await outbox.submit("visit-1", fields, body)).kind).toBe("sent");
    expect(server.calls.map((call) => call.key)).toEqual(["key-1", "key-2"]);
    expect(outbox.draft("visit-1")).toBeNull();
  });

  it("treats no answer, a gateway's or the server's failure, and the first still running as worth retrying", async () => {
    for (const error of [
      offline(),
      problem(502, "http.error"),
      problem(500, "internal"),
      problem(409, "idempotency.in_flight"),
    ]) {
      const outbox = new ReportOutbox(new MemoryStorage(), fakeServer([error]).send);
      const outcome = await outbox.submit(
        "v",
        fields,
        completionBody(fields, { equipment: null, ticketStatus: "open" }, null),
      );
      expect(outcome.kind, String((error as ApiError).status)).toBe("kept");
      expect(outbox.draft("v")?.pending).not.toBeNull();
    }
    const outbox = new ReportOutbox(new MemoryStorage(), fakeServer([problem(409, "visit.status_invalid")]).send);
    const outcome = await outbox.submit(
      "v",
      fields,
      completionBody(fields, { equipment: null, ticketStatus: "open" }, null),
    );
    expect(outcome.kind).toBe("refused");
  });

  it("keeps drafts in memory when the phone's storage refuses them", async () => {
    const full: DraftStorage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
      removeItem: () => {},
      length: 0,
      key: () => null,
    };
    const outbox = new ReportOutbox(full, fakeServer([offline()]).send);
    outbox.saveFields("v", fields);
    expect(outbox.draft("v")?.report).toBe(fields.report);
    await outbox.submit("v", fields, completionBody(fields, { equipment: null, ticketStatus: "open" }, null));
    expect(outbox.pendingVisitIds()).toEqual(["v"]);
    expect((await outbox.retry("v")).kind).toBe("sent");
    expect(outbox.draft("v")).toBeNull();
  });
});
