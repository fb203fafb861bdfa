import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { type Backup, ZBackupCreated, ZBackupList, ZBackupName } from "../../shared/backups.js";
import { ZProblem } from "../../shared/problem.js";
import type { App } from "../deps.js";
import { listBackups, openBackup, takeBackup } from "./backups.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
const ADMINS = ["admin"] as const;

/** A backup as a download: its own type, its name, and never opened by the browser as a page. */
function sendBackupFile(reply: FastifyReply, backup: Backup, stream: Readable) {
  return reply
    .type(backup.name.endsWith(".gz") ? "application/gzip" : "application/sql")
    .headers({
      "content-disposition": `attachment; filename="${backup.name}"`,
      "content-length": String(backup.size),
      "x-content-type-options": "nosniff",
    })
    .send(stream);
}

/** Settings → Backups and `npm run backup` against a running app (docs/operations.md): admins only. */
export async function backupsRoutes(app: App) {
  const deps = app.deps;

  app.get(
    "/api/backups",
    {
      config: { access: ADMINS },
      schema: {
        tags: ["backups"],
        operationId: "listBackups",
        summary: "The backups in this instance's BACKUP_DIR, newest first, with the schedule and its last run",
        response: { 200: ZBackupList, ...problems },
      },
    },
    async () => listBackups(deps),
  );

  app.post(
    "/api/backups",
    {
      config: { access: ADMINS },
      schema: {
        tags: ["backups"],
        operationId: "createBackup",
        summary:
          "Back up the database now, while the app runs: a gzipped SQL dump written to BACKUP_DIR (409 while another is being taken, or without pg_dump on a server database)",
        response: { 201: ZBackupCreated, ...problems },
      },
    },
    async (_request, reply) => reply.code(201).send(await takeBackup(deps)),
  );

  app.get(
    "/api/backups/:name",
    {
      config: { access: ADMINS },
      // Already gzipped: compressing it again would only cost time.
      compress: false,
      schema: {
        tags: ["backups"],
        operationId: "downloadBackup",
        summary: "Download one backup (a name from the list; anything else is 404)",
        params: ZBackupName,
        response: {
          200: {
            description: "The backup file, as an attachment.",
            content: {
              "application/gzip": { schema: z.string().meta({ format: "binary" }) },
              "application/sql": { schema: z.string().meta({ format: "binary" }) },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { backup, stream } = await openBackup(deps, request.params.name);
      return sendBackupFile(reply, backup, stream);
    },
  );
}
