import { beforeAll, describe, expect, it } from "vitest";
import type { IncidentDetail, IncidentTimeline } from "../../src/shared/incidents.js";
import type { AlertIntakeResult } from "../../src/shared/integrations.js";
import type { Site } from "../../src/shared/sites.js";
import { DEMO, problemOf, type Session, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";
import { makeSite } from "../support/factories/sites.js";
import { makeToken, type TokenClient, tokenClient } from "../support/tokens.js";

/** An Alertmanager webhook payload (version 4) holding `alerts`, as Alertmanager sends it. */
function alertmanagerPayload(alerts: Record<string, unknown>[], status = "firing") {
  return {
    version: "4",
    groupKey: '{}:{alertname="TowerDown"}',
    truncatedAlerts: 0,
    status,
    receiver: "uplink",
    groupLabels: { alertname: "TowerDown" },
    commonLabels: { alertname: "TowerDown" },
    commonAnnotations: {},
    externalURL: "http://alertmanager.example:9093",
    alerts,
  };
}

function alert(
  fingerprint: string,
  labels: Record<string, string>,
  options: { status?: string; summary?: string } = {},
) {
  return {
    status: options.status ?? "firing",
    labels: { alertname: "TowerDown", ...labels },
    annotations: options.summary ? { summary: options.summary } : {},
    startsAt: "2026-01-15T09:52:26.739266876+02:00",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
    fingerprint,
  };
}

/**
 * Alerts from network monitoring (issue 15 item 8). The site label is configured as `tower` here,
 * so the test also shows ALERTMANAGER_SITE_LABEL at work.
 */
describe.each(testDatabaseKinds())("alerts from monitoring on %s", (kind) => {
  const t = useTestApp(kind, { env: { ALERTMANAGER_SITE_LABEL: "tower" } });
  let admin: Session;
  let monitor: TokenClient;
  let reader: TokenClient;
  let sequence = 0;
  const fingerprint = () => {
    sequence += 1;
    return `fp-${kind}-${sequence}`;
  };

  beforeAll(async () => {
    admin = await signIn(t().app, DEMO.admin);
    const john = await signIn(t().app, DEMO.john);
    // Any staff role may open incidents: a technician's write token serves as the monitor's.
    monitor = tokenClient(t().app, (await makeToken(john, { scopes: ["write"] })).token);
    reader = tokenClient(t().app, (await makeToken(john, { scopes: ["read"] })).token);
  });

  async function send(payload: unknown, url = "/api/integrations/alertmanager") {
    const response = await monitor.post(url, payload as Record<string, unknown>);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as AlertIntakeResult;
  }
  const incident = async (id: string) => (await admin.get(`/api/incidents/${id}`)).json() as IncidentDetail;
  const timelineKinds = async (id: string) =>
    ((await admin.get(`/api/incidents/${id}/timeline?limit=100`)).json() as IncidentTimeline).items.map(
      (item) => item.kind,
    );

  it("opens an incident in investigating on the site the label names; a repeat finds the same incident", async () => {
    const site = await makeSite(admin);
    const fp = fingerprint();
    const fired = await send(
      alertmanagerPayload([
        alert(fp, { tower: site.name.toUpperCase(), severity: "critical" }, { summary: "North tower down" }),
      ]),
    );
    expect(fired.ignored).toEqual([]);
    expect(fired.processed).toEqual([
      { fingerprint: fp, status: "firing", outcome: "opened", incidentId: expect.any(String) },
    ]);
    const id = fired.processed[0]?.incidentId ?? "";
    const opened = await incident(id);
    expect(opened).toMatchObject({
      title: "North tower down",
      kind: "outage",
      severity: "critical",
      status: "investigating",
      siteIds: [site.id],
    });
    expect(opened.publicMessage).not.toBe("");
    expect(opened.publicMessage).not.toContain(site.name);
    expect(await timelineKinds(id)).toEqual(["created", "alert_firing"]);

    // Alertmanager repeats a firing group every repeat_interval: nothing changes.
    const again = await send(alertmanagerPayload([alert(fp, { tower: site.name, severity: "critical" })]));
    expect(again.processed).toEqual([{ fingerprint: fp, status: "firing", outcome: "unchanged", incidentId: id }]);
    expect((await incident(id)).version).toBe(opened.version);
    expect(await timelineKinds(id)).toEqual(["created", "alert_firing"]);
    const list = await admin.get("/api/incidents?state=active&limit=100");
    expect(list.json().items.filter((item: { siteIds: string[] }) => item.siteIds.includes(site.id))).toHaveLength(1);
  });

  it("attaches a second alert (site by id) to the active incident; moves it to monitoring when the last resolves", async () => {
    const site = await makeSite(admin);
    const [first, second] = [fingerprint(), fingerprint()];
    const opened = await send(alertmanagerPayload([alert(first, { tower: site.name, severity: "warning" })]));
    const id = opened.processed[0]?.incidentId ?? "";
    expect((await incident(id)).severity).toBe("minor");
    expect((await incident(id)).title).toBe("TowerDown");
    const attached = await send(alertmanagerPayload([alert(second, { tower: site.id })]));
    expect(attached.processed).toEqual([
      { fingerprint: second, status: "firing", outcome: "attached", incidentId: id },
    ]);

    // One of two resolves: the other still fires, so the incident stays as it is.
    const one = await send(
      alertmanagerPayload([alert(first, { tower: site.name }, { status: "resolved" })], "resolved"),
    );
    expect(one.processed).toEqual([{ fingerprint: first, status: "resolved", outcome: "resolved", incidentId: id }]);
    expect((await incident(id)).status).toBe("investigating");
    // The last one resolves: monitoring, never resolved (people resolve incidents).
    await send(alertmanagerPayload([alert(second, { tower: site.id }, { status: "resolved" })], "resolved"));
    expect((await incident(id)).status).toBe("monitoring");
    expect(await timelineKinds(id)).toEqual([
      "created",
      "alert_firing",
      "alert_firing",
      "alert_resolved",
      "alert_resolved",
      "status_changed",
    ]);
    // A repeated resolution changes nothing.
    const repeat = await send(
      alertmanagerPayload([alert(second, { tower: site.id }, { status: "resolved" })], "resolved"),
    );
    expect(repeat.processed[0]?.outcome).toBe("unchanged");

    // It fires again (a flapping link): back to investigating.
    const refired = await send(alertmanagerPayload([alert(second, { tower: site.id })]));
    expect(refired.processed[0]).toMatchObject({ outcome: "refired", incidentId: id });
    expect((await incident(id)).status).toBe("investigating");
  });

  it("opens a new incident when the alert fires again after people resolved the first", async () => {
    const site = await makeSite(admin);
    const fp = fingerprint();
    const first = (await send(alertmanagerPayload([alert(fp, { tower: site.name })]))).processed[0]?.incidentId;
    expect((await admin.post(`/api/incidents/${first}/resolve`, { resolveTickets: false })).statusCode).toBe(200);
    const late = await send(alertmanagerPayload([alert(fp, { tower: site.name }, { status: "resolved" })], "resolved"));
    expect(late.processed[0]).toMatchObject({ outcome: "unchanged", incidentId: first });
    expect((await incident(first ?? "")).status).toBe("resolved");
    const again = await send(alertmanagerPayload([alert(fp, { tower: site.name })]));
    expect(again.processed[0]?.outcome).toBe("opened");
    expect(again.processed[0]?.incidentId).not.toBe(first);
  });

  it("answers 200 and lists as ignored an alert naming no known site, no site, or an unknown resolution", async () => {
    const before = (await admin.get("/api/incidents?limit=100")).json().items.length;
    const result = await send(
      alertmanagerPayload([
        alert("unknown-site", { tower: "No Such Tower" }),
        alert("wrong-label", { site: "whatever" }),
        alert("never-fired", { tower: "No Such Tower" }, { status: "resolved" }),
      ]),
    );
    expect(result.processed).toEqual([]);
    expect(result.ignored.map((item) => [item.fingerprint, item.reason])).toEqual([
      ["unknown-site", "unknown_site"],
      ["wrong-label", "no_site_label"],
      ["never-fired", "unknown_alert"],
    ]);
    expect((await admin.get("/api/incidents?limit=100")).json().items.length).toBe(before);
  });

  it("takes the generic JSON form", async () => {
    const site: Site = await makeSite(admin);
    const url = "/api/integrations/alerts";
    const fired = await send({ site: site.name, status: "firing", fingerprint: "olt-7", summary: "OLT 7 down" }, url);
    const id = fired.processed[0]?.incidentId ?? "";
    expect(await incident(id)).toMatchObject({ title: "OLT 7 down", severity: "major", status: "investigating" });
    const resolved = await send(
      { site: site.name, status: "resolved", fingerprint: "olt-7", summary: "OLT 7 up" },
      url,
    );
    expect(resolved.processed[0]).toMatchObject({ outcome: "resolved", incidentId: id });
    expect((await incident(id)).status).toBe("monitoring");
    const ignored = await send(
      { site: "Nowhere", status: "firing", fingerprint: "x", summary: "x", severity: "minor" },
      url,
    );
    expect(ignored.ignored[0]?.reason).toBe("unknown_site");
  });

  it("needs a write-scope token or a session: read scope 403, none 401, a malformed payload 422", async () => {
    const payload = alertmanagerPayload([alert(fingerprint(), { tower: "x" })]);
    const read = await reader.post("/api/integrations/alertmanager", payload);
    expect(read.statusCode).toBe(403);
    expect(problemOf(read).code).toBe("token.insufficient_scope");
    const none = await t().app.inject({ method: "POST", url: "/api/integrations/alertmanager", payload });
    expect(none.statusCode).toBe(401);
    expect(problemOf(none).code).toBe("auth.required");
    // A signed-in session may try a payload by hand.
    expect((await admin.post("/api/integrations/alertmanager", payload)).statusCode).toBe(200);

    for (const bad of [
      { ...payload, version: "3" },
      { ...payload, alerts: [{ status: "firing", labels: {} }] },
      { ...payload, alerts: "none" },
      { site: "x", status: "down", fingerprint: "y", summary: "z" },
    ]) {
      const url = "site" in bad ? "/api/integrations/alerts" : "/api/integrations/alertmanager";
      const response = await monitor.post(url, bad);
      expect(response.statusCode, JSON.stringify(bad)).toBe(422);
      expect(problemOf(response).errors?.length).toBeGreaterThan(0);
    }
  });
});
