import { z } from "zod";

export const ZServicePlan = z
  .object({
    id: z.uuid(),
    name: z.string(),
    downloadMbps: z.number(),
    uploadMbps: z.number(),
    monthlyPrice: z.number(),
    active: z.boolean(),
    /** Customers (archived included) on this plan: a plan in use cannot be deleted. */
    customerCount: z.number().int(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "ServicePlan" });
export type ServicePlan = z.infer<typeof ZServicePlan>;

const speed = (label: string) =>
  z
    .number({ error: `${label} must be a number of Mbit/s` })
    .positive(`${label} must be more than 0`)
    .max(1_000_000, `${label} must be at most 1,000,000 Mbit/s`);

const planFields = {
  name: z
    .string({ error: "Name is required" })
    .trim()
    .min(1, "Name is required")
    .max(100, "Name must be at most 100 characters"),
  downloadMbps: speed("Download"),
  uploadMbps: speed("Upload"),
  monthlyPrice: z
    .number({ error: "Monthly price must be a number" })
    .min(0, "Monthly price cannot be negative")
    .max(99_999_999, "Monthly price is too large")
    .refine((value) => Number.isInteger(Math.round(value * 100 * 1e6) / 1e6), "Monthly price has at most 2 decimals"),
  active: z.boolean({ error: "Active must be true or false" }),
};

export const ZCreateServicePlan = z.object({ ...planFields, active: planFields.active.optional() }).strict();
export type CreateServicePlan = z.infer<typeof ZCreateServicePlan>;

export const ZUpdateServicePlan = z
  .object({
    name: planFields.name.optional(),
    downloadMbps: planFields.downloadMbps.optional(),
    uploadMbps: planFields.uploadMbps.optional(),
    monthlyPrice: planFields.monthlyPrice.optional(),
    active: planFields.active.optional(),
  })
  .strict();
export type UpdateServicePlan = z.infer<typeof ZUpdateServicePlan>;

export const ZServicePlanList = z.object({ items: z.array(ZServicePlan), nextCursor: z.string().nullable() });
export type ServicePlanList = z.infer<typeof ZServicePlanList>;
