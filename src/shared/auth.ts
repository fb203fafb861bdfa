import { z } from "zod";
import { ZUser } from "./users.js";

export const ZLogin = z
  .object({
    email: z.string({ error: "Email is required" }).trim().min(1, "Email is required").max(254),
    password: z.string({ error: "Password is required" }).min(1, "Password is required").max(200),
  })
  .strict();
export type Login = z.infer<typeof ZLogin>;

export const ZSessionInfo = z
  .object({
    user: ZUser,
    csrfToken: z.string(),
    /** Admins only: seeded accounts that still have their published default password. */
    defaultPasswordAccounts: z.array(z.string()),
  })
  .meta({ id: "SessionInfo" });
export type SessionInfo = z.infer<typeof ZSessionInfo>;

export const CSRF_HEADER = "x-csrf-token";
export const SESSION_COOKIE = "uplink_session";
