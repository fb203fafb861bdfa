import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError } from "./errors.js";
import { problemInstance, REQUEST_ID_HEADER } from "./request-id.js";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    code,
    ...extra,
  };
}

/** Sends a problem with its request's id (X-Request-Id and `instance`), unrouted answers included. */
export function sendProblem(reply: FastifyReply, body: ProblemBody, headers: Record<string, string> = {}) {
  const id = reply.request.id;
  return reply
    .code(body.status)
    .headers(headers)
    .header(REQUEST_ID_HEADER, id)
    .type("application/problem+json; charset=utf-8")
    .send({ ...body, instance: problemInstance(id) });
}

const LOCATION_LABEL: Record<string, string> = {
  body: "",
  querystring: "query parameter ",
  params: "path parameter ",
  headers: "header ",
};

type ValidationItem = {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: PropertyKey[]; message?: string } };
};

function fieldErrors(error: FastifyError): { field: string; message: string }[] {
  return ((error.validation ?? []) as ValidationItem[]).map((item) => {
    const path = item.params?.issue?.path ?? item.instancePath?.split("/").filter(Boolean) ?? [];
    const field = path.map(String).join(".");
    return { field: field || "(request)", message: item.params?.issue?.message ?? item.message ?? "is invalid" };
  });
}

/** Database errors that mean "the database is away", not "this request is wrong". */
function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (
      code === "ECONNREFUSED" ||
      code === "ECONNRESET" ||
      code === "57P01" ||
      code === "57P02" ||
      code === "57P03" ||
      code === "08006" ||
      code === "08001" ||
      (typeof message === "string" &&
        /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|PGlite is closed|Cannot use a pool after calling end/i.test(
          message,
        ))
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Turns every error into problem+json; only expected errors say what went wrong. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      return sendProblem(reply, problem(error.status, error.code, error.message, error.extra), error.headers);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = fieldErrors(error);
      const where = LOCATION_LABEL[error.validationContext ?? "body"] ?? "";
      const summary = errors
        .slice(0, 3)
        .map((e) => `${where}${e.field}: ${e.message}`)
        .join("; ");
      return sendProblem(
        reply,
        problem(422, "request.invalid", `Some fields need attention: ${summary}${errors.length > 3 ? "; …" : ""}`, {
          errors,
        }),
      );
    }
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, "database unavailable");
      return sendProblem(
        reply,
        problem(
          503,
          "service.database_unavailable",
          "The database is not reachable right now. Try again in a few seconds.",
        ),
        { "retry-after": "5" },
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type): their
      // messages are about the request, never about our internals.
      const detail =
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
          ? "The request body is not valid JSON."
          : error.message;
      return sendProblem(reply, problem(status, `request.${(error.code ?? "bad_request").toLowerCase()}`, detail));
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(
      reply,
      problem(500, "server.error", "Something went wrong on our side. The error has been logged; try again."),
    );
  });
}
