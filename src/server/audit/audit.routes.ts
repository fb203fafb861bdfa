import { ZAuditFilter, ZAuditList, ZAuditListQuery } from "../../shared/audit.js";
import { ZProblem } from "../../shared/problem.js";
import type { App } from "../deps.js";
import { exportAuditCsv } from "./audit.csv.js";
import { listAuditEntries } from "./audit.query.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem };
/** Who did what to which record is for admins only (an admin-scope token may read it too, e.g. a SIEM). */
const admins = { access: ["admin"] } as const;

export async function auditRoutes(app: App) {
  const { database } = app.deps;

  app.get(
    "/api/audit",
    {
      config: admins,
      schema: {
        tags: ["audit"],
        operationId: "listAuditEntries",
        summary:
          "The audit log, newest first (admins): filter by actorId, entityType and entityId, action, from/to; keyset pagination",
        querystring: ZAuditListQuery,
        response: { 200: ZAuditList, ...problems },
      },
    },
    async (request) => listAuditEntries(database.db, request.query),
  );

  app.get(
    "/api/audit/export.csv",
    {
      config: admins,
      schema: {
        tags: ["audit"],
        operationId: "exportAuditCsv",
        summary: "The filtered audit log as CSV, streamed (admins)",
        querystring: ZAuditFilter,
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      // A streamed answer cannot turn into a 503 once it has started: check the database first.
      await database.ping();
      const csv = exportAuditCsv(database.db, request.query);
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="audit-log.csv"')
        .header("cache-control", "no-store");
      return reply.send(csv);
    },
  );
}
