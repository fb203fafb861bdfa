import { zod4Resolver } from "mantine-form-zod-resolver";
import { z } from "zod";

/**
 * A form checked by the API's own zod schema: the rule and its message are written once, in
 * `src/shared/`, and the server's answer stays the final word.
 */
export const validateWith = (schema: z.ZodType) => zod4Resolver(schema, { errorPriority: "first" });

/** Mantine's NumberInput gives a number, or text while the field is empty or half typed. */
const numberFromInput = (value: unknown) =>
  typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;

/**
 * A shared number rule, fed from a NumberInput: typed digits become the number; an empty field
 * stays "" for the shared rule to read (optional fields turn it into null, required ones refuse it).
 */
export const fromNumberInput = <T extends z.ZodType>(schema: T) => z.preprocess(numberFromInput, schema);

/**
 * A whole shared schema, fed from a form whose `fields` are NumberInputs: those become numbers
 * first, then the schema (with its refinements, which `.extend` cannot keep) judges the values.
 */
export const withNumberInputs = <T extends z.ZodType>(schema: T, fields: readonly string[]) =>
  z.preprocess(
    (values) =>
      values && typeof values === "object"
        ? {
            ...values,
            ...Object.fromEntries(
              fields
                .filter((field) => field in values)
                .map((field) => [field, numberFromInput((values as Record<string, unknown>)[field])]),
            ),
          }
        : values,
    schema,
  );
