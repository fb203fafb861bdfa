import type { App } from "../../src/server/deps.js";
import { apiRoutes, type RegisteredRoute } from "../http/routes.js";

/** The part of a JSON Schema (as the OpenAPI document prints a zod schema) the fuzzer reads. */
export interface FieldSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: FieldSchema;
  properties?: Record<string, FieldSchema>;
  additionalProperties?: FieldSchema | boolean;
  anyOf?: FieldSchema[];
  oneOf?: FieldSchema[];
  allOf?: FieldSchema[];
  $ref?: string;
  default?: unknown;
  required?: string[];
}

/** A route with what its zod schemas (through the OpenAPI document) say it reads. */
export interface FuzzRoute extends RegisteredRoute {
  /** Path parameter names, in order. */
  params: string[];
  /** Enumerated values a path parameter allows (e.g. an SMS template's purpose). */
  paramValues: Record<string, unknown[]>;
  query: Record<string, FieldSchema>;
  /** The body's fields (every field name the API knows when the route declares no body). */
  body: Record<string, FieldSchema>;
  /** Fields the body schema requires. */
  required: string[];
  /** Whether the OpenAPI document describes the route (else its fields are the broad list). */
  documented: boolean;
}

/**
 * Field names to try when a route's schema does not say (and as unexpected extras everywhere):
 * every field name the API uses somewhere, mass-assignment targets, and pagination knobs.
 */
export const BROAD_FIELD_NAMES = [
  "id",
  "name",
  "email",
  "phone",
  "password",
  "role",
  "active",
  "version",
  "status",
  "priority",
  "category",
  "limit",
  "cursor",
  "q",
  "sort",
  "createdById",
  "customerId",
  "ticketId",
  "assigneeId",
  "body",
  "since",
  "until",
  "tz",
  "archived",
  "ids",
  "csv",
  "mapping",
  "dryRun",
  "installDate",
  "latitude",
  "vlanId",
  "monthlyPrice",
] as const;

type OpenApiOperation = {
  parameters?: { in: string; name: string; schema?: FieldSchema }[];
  requestBody?: { content?: Record<string, { schema?: FieldSchema }> };
};

/** Resolves `#/components/schemas/X` references (one document, no cycles in ours). */
export function resolveSchema(doc: unknown, schema: FieldSchema | undefined, depth = 0): FieldSchema | undefined {
  if (!schema || depth > 8) return schema;
  if (schema.$ref?.startsWith("#/")) {
    const target = schema.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    return resolveSchema(doc, target as FieldSchema | undefined, depth + 1);
  }
  return schema;
}

/** The object properties a body schema accepts (and requires), looking through anyOf/allOf wrappers. */
function propertiesOf(
  doc: unknown,
  schema: FieldSchema | undefined,
): { fields: Record<string, FieldSchema>; required: string[] } {
  const resolved = resolveSchema(doc, schema);
  if (!resolved) return { fields: {}, required: [] };
  const own = Object.fromEntries(
    Object.entries(resolved.properties ?? {}).map(([key, value]) => [key, resolveSchema(doc, value) ?? {}]),
  );
  const nested = [...(resolved.allOf ?? []), ...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].map((part) =>
    propertiesOf(doc, part),
  );
  return {
    fields: Object.assign({}, ...nested.map((part) => part.fields), own),
    required: [...new Set([...(resolved.required ?? []), ...nested.flatMap((part) => part.required)])],
  };
}

/**
 * Every /api route the app registered, with the fields its schemas declare. Routes the OpenAPI
 * document hides (the document itself, the docs UI) get the broad field list instead.
 */
export function fuzzCatalogue(app: App, openApi: unknown): FuzzRoute[] {
  const paths = (openApi as { paths?: Record<string, Record<string, OpenApiOperation>> }).paths ?? {};
  return apiRoutes(app).map((route) => {
    const params = [...route.pattern.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? "");
    const openApiPath = route.pattern.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const operation = paths[openApiPath]?.[route.method.toLowerCase()];
    const parameters = operation?.parameters ?? [];
    const query = Object.fromEntries(
      parameters.filter((p) => p.in === "query").map((p) => [p.name, resolveSchema(openApi, p.schema) ?? {}] as const),
    );
    const paramValues = Object.fromEntries(
      parameters
        .filter((p) => p.in === "path" && resolveSchema(openApi, p.schema)?.enum)
        .map((p) => [p.name, resolveSchema(openApi, p.schema)?.enum ?? []] as const),
    );
    const bodySchema = operation?.requestBody?.content?.["application/json"]?.schema;
    const broad = Object.fromEntries(BROAD_FIELD_NAMES.map((name) => [name, {}]));
    const { fields, required } = bodySchema ? propertiesOf(openApi, bodySchema) : { fields: broad, required: [] };
    const documented = operation !== undefined;
    return { ...route, params, paramValues, query: documented ? query : broad, body: fields, required, documented };
  });
}
