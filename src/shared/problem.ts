import { z } from "zod";

/** RFC 9457 problem details, as every error of the API is shaped. */
export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    /** The request's id as a URN (`urn:uplink:request:<id>`): quote it when reporting the error. */
    instance: z.string().optional(),
  })
  .loose()
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof ZProblem>;
