import { z } from "zod";
import type { ConnectionType, IncidentKind, IncidentSeverity, IncidentStatus } from "../../shared/enums.js";
import { type Incident, ZCreateIncident } from "../../shared/incidents.js";
import { validateWith } from "../app/forms.js";

/**
 * An incident as its form holds it: the times as a `datetime-local` input gives them (local time,
 * "" when empty), the filter lists as lists (empty = no narrowing). `toIncidentBody` turns it into
 * what the API takes, and the shared schema judges that, so the rules are written once.
 */
export interface IncidentFormValues extends Record<string, unknown> {
  title: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  /** null on a new incident: the server picks scheduled (later start) or investigating. */
  status: IncidentStatus | null;
  /** "" on a new incident: now. */
  startsAt: string;
  expectedEndAt: string;
  publicMessage: string;
  internalNotes: string;
  siteIds: string[];
  planIds: string[];
  connectionTypes: ConnectionType[];
  cities: string[];
  postalCodes: string[];
}

export const INCIDENT_FIELD_LABELS: Record<keyof IncidentFormValues & string, string> = {
  title: "Title",
  kind: "Kind",
  severity: "Severity",
  status: "Status",
  startsAt: "Starts",
  expectedEndAt: "Expected end",
  publicMessage: "Public message",
  internalNotes: "Internal notes",
  siteIds: "Sites",
  planIds: "Plans",
  connectionTypes: "Connection types",
  cities: "Cities",
  postalCodes: "Postal codes",
};

const pad = (n: number) => String(n).padStart(2, "0");
/** An instant as a `datetime-local` input shows it, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const at = new Date(iso);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
/** A `datetime-local` value as an instant (the text itself when it is no date, for the schema to refuse). */
function fromLocalInput(value: string): string | null {
  if (!value.trim()) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

export const emptyIncidentForm = (siteIds: string[] = []): IncidentFormValues => ({
  title: "",
  kind: "outage",
  severity: "major",
  status: null,
  startsAt: "",
  expectedEndAt: "",
  publicMessage: "",
  internalNotes: "",
  siteIds,
  planIds: [],
  connectionTypes: [],
  cities: [],
  postalCodes: [],
});

export const incidentFormOf = (incident: Incident): IncidentFormValues => ({
  title: incident.title,
  kind: incident.kind,
  severity: incident.severity,
  status: incident.status,
  startsAt: toLocalInput(incident.startsAt),
  expectedEndAt: toLocalInput(incident.expectedEndAt),
  publicMessage: incident.publicMessage,
  internalNotes: incident.internalNotes,
  siteIds: incident.siteIds,
  planIds: incident.planIds ?? [],
  connectionTypes: incident.connectionTypes ?? [],
  cities: incident.cities ?? [],
  postalCodes: incident.postalCodes ?? [],
});

/** The API's body for these fields (all of them, or the changed ones of an edit). */
export function toIncidentBody(values: Partial<IncidentFormValues>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === "startsAt") {
      // Empty: now (a new incident), or left as it was (an edit never sends an empty start).
      const at = fromLocalInput(value as string);
      if (at) body.startsAt = at;
    } else if (key === "expectedEndAt") body.expectedEndAt = fromLocalInput(value as string);
    else if (key === "status") {
      if (value) body.status = value;
    } else if (Array.isArray(value) && ["planIds", "connectionTypes", "cities", "postalCodes"].includes(key)) {
      body[key] = value.length ? value : null;
    } else body[key] = value;
  }
  return body;
}

/** The form checked by the API's own schema, on the body it would send. */
export const validateIncidentForm = validateWith(
  z.preprocess((values) => toIncidentBody(values as IncidentFormValues), ZCreateIncident),
);
