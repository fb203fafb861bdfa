import { z } from "zod";
import { refineCoordinatePair, refineCoordinatePairUpdate } from "./coordinates.js";
import { SITE_KINDS } from "./enums.js";

export const ZSite = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(SITE_KINDS),
    address: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    notes: z.string().nullable(),
    active: z.boolean(),
    /**
     * The name the public status page may show for this site ("North Boulder"); null keeps the
     * site private, and the page says "part of our network" instead.
     */
    publicName: z.string().nullable(),
    /** Customers (archived included) behind this site: a site in use cannot be deleted. */
    customerCount: z.number().int(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "NetworkSite" });
export type Site = z.infer<typeof ZSite>;

const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);
const coordinate = (label: string, limit: number) =>
  z.preprocess(
    blankToNull,
    z
      .number({ error: `${label} must be a number` })
      .min(-limit, `${label} must be between -${limit} and ${limit}`)
      .max(limit, `${label} must be between -${limit} and ${limit}`)
      .nullable()
      .optional(),
  );
const text = (label: string, max: number) =>
  z.preprocess(
    blankToNull,
    z.string().trim().max(max, `${label} must be at most ${max} characters`).nullable().optional(),
  );

const siteFields = {
  name: z
    .string({ error: "Name is required" })
    .trim()
    .min(1, "Name is required")
    .max(100, "Name must be at most 100 characters"),
  kind: z.enum(SITE_KINDS, { error: `Kind must be one of ${SITE_KINDS.join(", ")}` }),
  address: text("Address", 300),
  latitude: coordinate("Latitude", 90),
  longitude: coordinate("Longitude", 180),
  notes: text("Notes", 5000),
  active: z.boolean({ error: "Active must be true or false" }).optional(),
  publicName: text("Public name", 100),
};

export const ZCreateSite = z.object(siteFields).strict().superRefine(refineCoordinatePair);
export type CreateSite = z.output<typeof ZCreateSite>;

export const ZUpdateSite = z
  .object({ ...siteFields, name: siteFields.name.optional(), kind: siteFields.kind.optional() })
  .strict()
  .superRefine(refineCoordinatePairUpdate);
export type UpdateSite = z.output<typeof ZUpdateSite>;

export const ZSiteList = z.object({ items: z.array(ZSite), nextCursor: z.string().nullable() });
export type SiteList = z.infer<typeof ZSiteList>;
