import { z } from "zod";
import { ZCustomerConflict } from "../../shared/conflict.js";
import {
  ZAddressTaken,
  ZCreateCustomer,
  ZCustomer,
  ZCustomerDetail,
  ZCustomerFilterQuery,
  ZCustomerList,
  ZCustomerListQuery,
  ZCustomerWithWarnings,
  ZImportRequest,
  ZImportResult,
  ZUpdateCustomer,
} from "../../shared/customers.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { exportCustomersCsv } from "./customers.export.js";
import { importCustomersCsv } from "./customers.import.js";
import { ZCustomerId } from "./customers.schemas.js";
import {
  archiveCustomer,
  createCustomer,
  getCustomer,
  listCustomers,
  restoreCustomer,
  updateCustomer,
} from "./customers.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem };
/** 10,000 rows of CSV is about 2 MB; leave room for wide files. */
const IMPORT_BODY_LIMIT = 30 * 1024 * 1024;

export async function customersRoutes(app: App) {
  const { database } = app.deps;
  const ctx = serviceContext(app.deps);

  app.get(
    "/api/customers",
    {
      schema: {
        tags: ["customers"],
        summary: "Customers: search (name, phone in any format, email, account, IP, MAC, serial, street), filter, sort",
        querystring: ZCustomerListQuery,
        response: { 200: ZCustomerList, ...problems },
      },
    },
    async (request) => listCustomers(ctx, request.query),
  );

  app.get(
    "/api/customers/export.csv",
    {
      schema: {
        tags: ["customers"],
        summary: "The current filter as CSV, streamed",
        querystring: ZCustomerFilterQuery,
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      const csv = await exportCustomersCsv(ctx, request.query);
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="customers.csv"')
        .header("cache-control", "no-store");
      return reply.send(csv);
    },
  );

  app.post(
    "/api/customers/import",
    {
      // Office staff onboard customers too; archiving stays with admins.
      config: { access: ["admin", "agent"] },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ["customers"],
        summary:
          "Import customers from CSV (admins and office agents): validates every row first and writes nothing if any row is wrong; matches existing customers by account number, else phone",
        body: ZImportRequest,
        response: { 200: ZImportResult, ...problems },
      },
    },
    async (request) => importCustomersCsv(ctx, actorOf(request), request.body),
  );

  app.get(
    "/api/customers/:id",
    {
      schema: {
        tags: ["customers"],
        summary: "One customer (archived ones too, with who archived them)",
        params: ZCustomerId,
        response: { 200: ZCustomerDetail, ...problems },
      },
    },
    async (request) => getCustomer(database.db, request.params.id),
  );

  app.post(
    "/api/customers",
    {
      schema: {
        tags: ["customers"],
        summary:
          "Create a customer; an IP or MAC address another current customer holds gets 409 naming them, a shared phone or email a warning",
        body: ZCreateCustomer,
        response: { 201: ZCustomerWithWarnings, ...problems, 409: z.union([ZAddressTaken, ZProblem]) },
      },
    },
    async (request, reply) => reply.code(201).send(await createCustomer(ctx, actorOf(request), request.body)),
  );

  app.patch(
    "/api/customers/:id",
    {
      schema: {
        tags: ["customers"],
        summary:
          "Change a customer; a stale version gets 409 with the current record, an IP or MAC address another current customer holds 409 naming them",
        params: ZCustomerId,
        body: ZUpdateCustomer,
        // A stale version's 409 carries the customer as they are now, a taken address its holder; other 409s are plain problems.
        response: {
          200: ZCustomerWithWarnings,
          ...problems,
          409: z.union([ZCustomerConflict, ZAddressTaken, ZProblem]),
        },
      },
    },
    async (request) => updateCustomer(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/api/customers/:id",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["customers"],
        summary: "Archive a customer (admins); tickets and SMS history stay",
        params: ZCustomerId,
        response: { 200: ZCustomer, ...problems },
      },
    },
    async (request) => archiveCustomer(ctx, actorOf(request), request.params.id),
  );

  app.post(
    "/api/customers/:id/restore",
    {
      config: { access: ["admin"] },
      schema: {
        tags: ["customers"],
        summary:
          "Restore an archived customer (admins); 409 naming the holder when another current customer has taken their IP or MAC address",
        params: ZCustomerId,
        response: { 200: ZCustomer, ...problems, 409: z.union([ZAddressTaken, ZProblem]) },
      },
    },
    async (request) => restoreCustomer(ctx, actorOf(request), request.params.id),
  );
}
