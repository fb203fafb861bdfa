import { z } from "zod";
import { USER_ROLES } from "./enums.js";

export const ZUser = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    role: z.enum(USER_ROLES),
    active: z.boolean(),
    lastLoginAt: z.iso.datetime({ offset: true }).nullable(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof ZUser>;

const name = z
  .string({ error: "Name is required" })
  .trim()
  .min(1, "Name is required")
  .max(200, "Name must be at most 200 characters");
const email = z
  .string({ error: "Email is required" })
  .trim()
  .max(254, "Email must be at most 254 characters")
  .pipe(z.email("Email must look like name@example.com"));
/** Free text here; the server parses it to E.164 with the configured default country. */
const phone = z.string().trim().max(40, "Phone must be at most 40 characters").nullable();
export const ZPassword = z
  .string({ error: "Password is required" })
  .min(10, "Password must be at least 10 characters")
  .max(200, "Password must be at most 200 characters");

const ROLE_ERROR = `Role must be ${USER_ROLES.slice(0, -1).join(", ")} or ${USER_ROLES.at(-1)}`;

export const ZCreateUser = z
  .object({
    name,
    email,
    phone: phone.optional(),
    role: z.enum(USER_ROLES, { error: ROLE_ERROR }),
    password: ZPassword,
  })
  .strict();
export type CreateUser = z.infer<typeof ZCreateUser>;

export const ZUpdateUser = z
  .object({
    name: name.optional(),
    email: email.optional(),
    phone: phone.optional(),
    role: z.enum(USER_ROLES, { error: ROLE_ERROR }).optional(),
    active: z.boolean().optional(),
    /** An admin's password reset: ends the user's sessions. */
    password: ZPassword.optional(),
    /**
     * With `active: false`: who takes over the account's open tickets (a staff id, or null to leave
     * them unassigned), in the same transaction. Without it, deactivating someone who holds open
     * tickets is refused (409 `user.has_open_tickets`, with the count) so the admin can choose.
     */
    reassignTo: z.uuid("Reassign to: must be a staff id (UUID) or null").nullable().optional(),
  })
  .strict()
  .refine((body) => body.reassignTo === undefined || body.active === false, {
    message: "Reassign to: only when deactivating the account (active: false)",
    path: ["reassignTo"],
  });
export type UpdateUser = z.infer<typeof ZUpdateUser>;

export const ZUpdateProfile = z
  .object({
    name: name.optional(),
    phone: phone.optional(),
    currentPassword: z.string().max(200).optional(),
    newPassword: ZPassword.optional(),
  })
  .strict()
  .refine((body) => body.newPassword === undefined || body.currentPassword !== undefined, {
    message: "Current password is required to set a new one",
    path: ["currentPassword"],
  });
export type UpdateProfile = z.infer<typeof ZUpdateProfile>;

/** One staff account as an admin sees it before a change: with the open tickets it holds. */
export const ZUserDetail = ZUser.extend({
  /** Open tickets (not resolved or closed) assigned to this account. */
  openTicketCount: z.number().int(),
}).meta({ id: "UserDetail" });
export type UserDetail = z.infer<typeof ZUserDetail>;

export const ZUserList = z.object({ items: z.array(ZUser), nextCursor: z.string().nullable() });
export type UserList = z.infer<typeof ZUserList>;
