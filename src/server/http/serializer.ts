import { isDeepStrictEqual } from "node:util";
import fastJson from "fast-json-stringify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import { createSerializerCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { $ZodType } from "zod/v4/core";

/**
 * Response serialisation compiled from each route's zod response schema (fast-json-stringify over
 * the schema's JSON Schema), instead of running zod over every answer and then JSON.stringify:
 * measured in docs/benchmarks.md ("The app's own cost"). It writes only the properties the schema
 * declares, as zod's output did, so a service that returns a row with more in it (a password
 * hash, say) still cannot leak it.
 *
 * With `checked` (NODE_ENV=test), every answer is also put through the zod serializer and the two
 * must be the same JSON: every test of every route checks the compiled serializer against the
 * schema's own meaning (the same JSON value). A schema that cannot be compiled (a transform in an answer, say) keeps the
 * zod serializer.
 */
export function compiledSerializerCompiler(options: { checked: boolean }): FastifySerializerCompiler<unknown> {
  const zodSerializer = createSerializerCompiler({});
  return (route) => {
    const viaZod = zodSerializer(route as never) as (data: unknown) => string;
    const compiled = compile(route.schema);
    if (!compiled) return viaZod;
    if (!options.checked) return compiled;
    return (data: unknown) => {
      const text = compiled(data);
      const expected = viaZod(data);
      // The same JSON; only the order of a loose object's extra keys may differ.
      if (text !== expected && !isDeepStrictEqual(JSON.parse(text), JSON.parse(expected))) {
        throw new Error(
          `Compiled serializer of ${route.method} ${route.url} differs from zod's:\n  compiled ${text.slice(0, 600)}\n  zod      ${expected.slice(0, 600)}`,
        );
      }
      return text;
    };
  };
}

/** Keywords that only validate: a serializer needs the shape, not the rules. */
const VALIDATION_ONLY = new Set([
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "uniqueItems",
  "multipleOf",
  "description",
  "examples",
  "example",
  "title",
  "$schema",
  "id",
]);

type JsonSchema = Record<string, unknown>;

function compile(schema: unknown): ((data: unknown) => string) | undefined {
  const zodSchema =
    schema instanceof $ZodType
      ? schema
      : schema && typeof schema === "object" && (schema as { properties?: unknown }).properties instanceof $ZodType
        ? ((schema as { properties: unknown }).properties as $ZodType)
        : undefined;
  if (!zodSchema) return undefined;
  try {
    const json = z.toJSONSchema(zodSchema as z.ZodType, {
      io: "output",
      target: "draft-7",
      unrepresentable: "throw",
      reused: "inline",
      cycles: "throw",
    }) as JsonSchema;
    return fastJson(simplify(json) as Parameters<typeof fastJson>[0]);
  } catch {
    return undefined;
  }
}

/**
 * Strips validation-only keywords (and `additionalProperties: false`), and turns zod's
 * `anyOf [X, null]` for a nullable X into `type: [X's type, "null"]`, which fast-json-stringify
 * writes without trying each branch.
 * Keeps `format: date-time` (a Date is written as its ISO text) and const/enum (they tell the
 * branches of a union apart).
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (!node || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (VALIDATION_ONLY.has(key)) continue;
    if (key === "format" && value !== "date-time") continue;
    // zod strips undeclared keys, and fast-json-stringify writes only declared ones without this;
    // with it, a union branch (checked with ajv) refuses an object carrying one more key (a row's
    // other columns) and the answer is a 500 where zod wrote the declared part.
    if (key === "additionalProperties" && value === false) continue;
    if (key === "properties" || key === "definitions" || key === "$defs" || key === "patternProperties") {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, sub]) => [name, simplify(sub)]));
    } else {
      out[key] = simplify(value);
    }
  }
  const anyOf = out.anyOf as JsonSchema[] | undefined;
  if (anyOf && anyOf.length === 2 && Object.keys(out).length === 1) {
    const nullIndex = anyOf.findIndex((branch) => branch.type === "null" && Object.keys(branch).length === 1);
    const other = anyOf[1 - nullIndex];
    if (nullIndex !== -1 && other && typeof other.type === "string" && !other.anyOf && !other.oneOf) {
      return { ...other, type: [other.type, "null"] };
    }
  }
  return out;
}
