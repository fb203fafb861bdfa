import { createHash } from "node:crypto";
import { and, desc, eq, gte, inArray, isNotNull, or, sql } from "drizzle-orm";
import { ACTIVE_INCIDENT_STATUSES, CLOSED_INCIDENT_STATUSES, type IncidentStatus } from "../../shared/enums.js";
import type { PublicIncident, StatusPage } from "../../shared/incidents.js";
import type { Clock } from "../clock.js";
import type { Executor } from "../db/client.js";
import { incidentEvents, incidentSites, incidents, networkSites } from "../db/schema/index.js";

/** How far back the status page's history reaches. */
export const STATUS_HISTORY_DAYS = 30;
/** Said of an incident none of whose sites has a public name. */
export const PRIVATE_AREA_TEXT = "part of our network";

type IncidentRow = typeof incidents.$inferSelect;

/**
 * The public status page's data: active and scheduled incidents and the last 30 days' history.
 * Only what is public: kind, severity, status, times, the public message and its updates, and the
 * public names of the sites (never a site's own name, a customer or an address). Not the
 * incident's own title either: staff (and monitoring alerts) write "Outage: Boulder North Tower"
 * or "olt4 10.20.30.40 down" there, so the page's headline is the kind and the public area.
 */
export async function getStatusPage(db: Executor, clock: Clock): Promise<StatusPage> {
  const now = clock.now();
  const since = new Date(now.getTime() - STATUS_HISTORY_DAYS * 24 * 3_600_000);
  const rows = await db
    .select()
    .from(incidents)
    .where(
      or(
        inArray(incidents.status, [...ACTIVE_INCIDENT_STATUSES, "scheduled"]),
        and(
          inArray(incidents.status, [...CLOSED_INCIDENT_STATUSES]),
          gte(sql`coalesce(${incidents.resolvedAt}, ${incidents.updatedAt})`, since),
        ),
      ),
    )
    .orderBy(desc(incidents.startsAt), desc(incidents.id))
    .limit(500);
  const ids = rows.map((row) => row.id);
  const [areas, updates] = await Promise.all([publicAreas(db, ids), publicUpdates(db, ids)]);
  const publicOf = (row: IncidentRow): PublicIncident => {
    const area = areas.get(row.id) ?? { names: [], hasPrivate: true };
    return {
      id: row.id,
      title: `${KIND_WORDS[row.kind]}: ${areaText(area)}`,
      kind: row.kind,
      severity: row.severity,
      status: row.status,
      startsAt: row.startsAt.toISOString(),
      expectedEndAt: row.expectedEndAt?.toISOString() ?? null,
      resolvedAt: row.resolvedAt?.toISOString() ?? null,
      publicMessage: row.publicMessage,
      areas: area.names,
      areaText: areaText(area),
      updates: updates.get(row.id) ?? [],
      updatedAt: row.updatedAt.toISOString(),
    };
  };
  const inStatuses = (statuses: readonly IncidentStatus[]) => rows.filter((row) => statuses.includes(row.status));
  return {
    generatedAt: now.toISOString(),
    active: inStatuses(ACTIVE_INCIDENT_STATUSES).map(publicOf),
    // Soonest first: what comes next heads the list.
    scheduled: inStatuses(["scheduled"]).reverse().map(publicOf),
    history: inStatuses(CLOSED_INCIDENT_STATUSES)
      .sort((a, b) => (b.resolvedAt ?? b.updatedAt).getTime() - (a.resolvedAt ?? a.updatedAt).getTime())
      .map(publicOf),
  };
}

function areaText(area: { names: string[]; hasPrivate: boolean }): string {
  if (area.names.length === 0) return PRIVATE_AREA_TEXT;
  const list = area.names.join(", ");
  return area.hasPrivate ? `${list} and other parts of our network` : list;
}

async function publicAreas(db: Executor, ids: string[]) {
  const areas = new Map<string, { names: string[]; hasPrivate: boolean }>();
  if (ids.length === 0) return areas;
  const rows = await db
    .select({ incidentId: incidentSites.incidentId, publicName: networkSites.publicName })
    .from(incidentSites)
    .innerJoin(networkSites, eq(networkSites.id, incidentSites.siteId))
    .where(inArray(incidentSites.incidentId, ids))
    .orderBy(networkSites.publicName);
  for (const row of rows) {
    const area = areas.get(row.incidentId) ?? { names: [], hasPrivate: false };
    const name = row.publicName?.trim();
    if (!name) area.hasPrivate = true;
    else if (!area.names.includes(name)) area.names.push(name);
    areas.set(row.incidentId, area);
  }
  return areas;
}

async function publicUpdates(db: Executor, ids: string[]) {
  const updates = new Map<string, { at: string; message: string }[]>();
  if (ids.length === 0) return updates;
  const rows = await db
    .select({
      incidentId: incidentEvents.incidentId,
      at: incidentEvents.createdAt,
      message: incidentEvents.publicUpdate,
    })
    .from(incidentEvents)
    .where(and(inArray(incidentEvents.incidentId, ids), isNotNull(incidentEvents.publicUpdate)))
    .orderBy(desc(incidentEvents.createdAt), desc(incidentEvents.id));
  for (const row of rows) {
    if (!row.message) continue;
    const list = updates.get(row.incidentId) ?? [];
    if (list.length < 20) list.push({ at: row.at.toISOString(), message: row.message });
    updates.set(row.incidentId, list);
  }
  return updates;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (they are dropped)
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g;

/**
 * Everything the page and the feed print goes through this: stored text is data, never markup.
 * Control characters (other than tab and line breaks) and the non-characters U+FFFE/U+FFFF are
 * dropped: XML forbids them, and one in a message would make the feed unreadable for every reader.
 */
export function escapeHtml(text: string): string {
  return text.replace(NOT_IN_XML, "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STATUS_WORDS: Record<IncidentStatus, string> = {
  scheduled: "Scheduled",
  investigating: "Investigating",
  identified: "Cause identified",
  monitoring: "Fixed, monitoring",
  resolved: "Resolved",
  cancelled: "Cancelled",
};
const KIND_WORDS = { outage: "Outage", degraded: "Degraded service", maintenance: "Planned maintenance" } as const;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:46rem;padding:1rem;color:#1a1b1e;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}article{border:1px solid #ced4da;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
article h3{margin:0 0 .25rem;font-size:1.05rem}.meta{color:#495057;font-size:.9rem;margin:.25rem 0}.ok{border-color:#2b8a3e;color:#2b8a3e}
.badge{display:inline-block;border:1px solid currentColor;border-radius:4px;padding:0 .4rem;font-size:.8rem;margin-right:.4rem}
ul{padding-left:1.2rem}p{white-space:pre-wrap;margin:.25rem 0}footer{margin-top:2rem;color:#495057;font-size:.85rem}
@media (prefers-color-scheme:dark){body{background:#1a1b1e;color:#e9ecef}.meta,footer{color:#ced4da}article{border-color:#5c5f66}.ok{color:#69db7c;border-color:#69db7c}}`;

/**
 * The page's Content-Security-Policy: no script at all, no images, no forms, no framing; the one
 * inline stylesheet allowed by its hash. A stored `<script>` in a title could not run even if the
 * escaping failed.
 */
export const STATUS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

function formatTime(iso: string, timeZone: string): string {
  return `${new Intl.DateTimeFormat("en-US", {
    timeZone,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(iso))} (${timeZone})`;
}

function renderIncident(incident: PublicIncident, timeZone: string): string {
  const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(formatTime(iso, timeZone))}</time>`;
  const lines = [
    `<article><h3>${escapeHtml(incident.title)}</h3>`,
    `<div class="meta"><span class="badge">${escapeHtml(KIND_WORDS[incident.kind])}</span><span class="badge">${escapeHtml(STATUS_WORDS[incident.status])}</span></div>`,
    `<div class="meta">Affected area: ${escapeHtml(incident.areaText)}</div>`,
    `<div class="meta">${incident.status === "scheduled" ? "Starts" : "Started"}: ${time(incident.startsAt)}`,
    incident.expectedEndAt && !incident.resolvedAt ? ` · Expected back: ${time(incident.expectedEndAt)}` : "",
    incident.resolvedAt ? ` · Resolved: ${time(incident.resolvedAt)}` : "",
    "</div>",
    incident.publicMessage ? `<p>${escapeHtml(incident.publicMessage)}</p>` : "",
  ];
  const older = incident.updates.filter((update) => update.message !== incident.publicMessage);
  if (older.length > 0) {
    lines.push(
      "<details><summary>Updates</summary><ul>",
      ...older.map((update) => `<li>${time(update.at)}: ${escapeHtml(update.message)}</li>`),
      "</ul></details>",
    );
  }
  lines.push("</article>");
  return lines.join("");
}

/** The status page as HTML: server-rendered, no script, every stored text escaped. */
export function renderStatusHtml(page: StatusPage, options: { timeZone: string }): string {
  const section = (title: string, list: PublicIncident[], empty: string) =>
    `<h2>${title}</h2>${list.length > 0 ? list.map((incident) => renderIncident(incident, options.timeZone)).join("") : `<p>${empty}</p>`}`;
  const summary =
    page.active.length === 0
      ? `<article class="ok"><h3>All systems operational</h3></article>`
      : `<p>${page.active.length === 1 ? "1 issue is" : `${page.active.length} issues are`} affecting our service.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service status</title><link rel="alternate" type="application/atom+xml" title="Service status" href="/status.atom">
<style>${STYLE}</style></head>
<body><main><h1>Service status</h1>${summary}
${page.active.length > 0 ? section("Current issues", page.active, "") : ""}
${section("Planned maintenance and scheduled work", page.scheduled, "Nothing is scheduled.")}
${section(`The last ${STATUS_HISTORY_DAYS} days`, page.history, `No incidents in the last ${STATUS_HISTORY_DAYS} days.`)}
</main><footer>Updated ${escapeHtml(formatTime(page.generatedAt, options.timeZone))}. Also as <a href="/status.atom">an Atom feed</a> and <a href="/status.json">JSON</a>.</footer></body></html>`;
}

/** XML text and attributes: the same five characters. */
const escapeXml = escapeHtml;

/** The status page as an Atom feed (RFC 4287): one entry per incident, updated with it. */
/**
 * The feed's links are absolute only when PUBLIC_URL says where the app lives; otherwise relative
 * (readers resolve them against the feed's own address), never built from the request's Host
 * header, which a client chooses and a shared cache would then serve to everyone.
 */
export function renderStatusAtom(page: StatusPage, options: { baseUrl: string }): string {
  const all = [...page.active, ...page.scheduled, ...page.history];
  // ISO 8601 UTC strings sort as their moments do.
  const updated = all
    .map((incident) => incident.updatedAt)
    .sort()
    .at(-1);
  const entries = all.map((incident) => {
    const summary = [
      `${KIND_WORDS[incident.kind]} · ${STATUS_WORDS[incident.status]}`,
      `Affected area: ${incident.areaText}`,
      `Start: ${incident.startsAt}${incident.expectedEndAt ? ` · Expected back: ${incident.expectedEndAt}` : ""}${incident.resolvedAt ? ` · Resolved: ${incident.resolvedAt}` : ""}`,
      incident.publicMessage,
    ]
      .filter(Boolean)
      .join("\n");
    return `<entry><id>urn:uuid:${incident.id}</id><title>${escapeXml(`${STATUS_WORDS[incident.status]}: ${incident.title}`)}</title><updated>${incident.updatedAt}</updated><published>${incident.startsAt}</published><link rel="alternate" type="text/html" href="${escapeXml(`${options.baseUrl}/status`)}"/><summary type="text">${escapeXml(summary)}</summary></entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:uplink:status</id><title>Service status</title><updated>${updated || page.generatedAt}</updated><author><name>Service status</name></author><link rel="self" type="application/atom+xml" href="${escapeXml(`${options.baseUrl}/status.atom`)}"/><link rel="alternate" type="text/html" href="${escapeXml(`${options.baseUrl}/status`)}"/>
${entries.join("\n")}
</feed>`;
}
