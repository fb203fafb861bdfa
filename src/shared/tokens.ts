import { z } from "zod";
import type { UserRole } from "./enums.js";

/**
 * What an API token may do: `read` (GET and HEAD), `write` (other methods on routes open to more
 * than admins), `admin` (admin-only routes). Scopes do not imply each other: a token for a
 * monitoring script that only reads holds `read` alone.
 */
export const TOKEN_SCOPES = ["read", "write", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The scopes an owner's role allows; a token never holds more (technicians and agents: no `admin`). */
export function scopesAllowedFor(role: UserRole): readonly TokenScope[] {
  return role === "admin" ? TOKEN_SCOPES : ["read", "write"];
}

/** `upl_` and 32 random bytes in base62 (43 characters), so secret scanners can match it. */
export const API_TOKEN_PATTERN = /^upl_[0-9A-Za-z]{43}$/;

export const ZApiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    user: z.object({ id: z.uuid(), name: z.string() }),
    createdAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }).nullable(),
    revokedAt: z.iso.datetime({ offset: true }).nullable(),
    lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
    lastUsedIp: z.string().nullable(),
  })
  .meta({ id: "ApiToken" });
export type ApiToken = z.infer<typeof ZApiToken>;

export const ZApiTokenList = z.object({ items: z.array(ZApiToken) });

export const ZCreateApiToken = z
  .object({
    name: z
      .string({ error: "Name is required" })
      .trim()
      .min(1, "Name is required")
      .max(100, "Name must be at most 100 characters"),
    scopes: z
      .array(z.enum(TOKEN_SCOPES, { error: "Scopes are read, write and admin" }), { error: "Choose scopes" })
      .min(1, "Choose at least one scope")
      .max(3)
      .refine((scopes) => new Set(scopes).size === scopes.length, "Each scope once"),
    expiresAt: z.iso.datetime({ offset: true, error: "Expiry must be a date and time" }).nullable().optional(),
    /** Admins only: the staff member the token acts as (default: the caller). */
    userId: z.uuid("userId must be a staff id").optional(),
  })
  .strict();
export type CreateApiToken = z.infer<typeof ZCreateApiToken>;

/** The answer to a creation: the token itself, shown this once. */
export const ZCreatedApiToken = ZApiToken.extend({ token: z.string() }).meta({ id: "CreatedApiToken" });
export type CreatedApiToken = z.infer<typeof ZCreatedApiToken>;

export const ZApiTokenListQuery = z.object({ userId: z.uuid("userId must be a staff id").optional() }).strict();
