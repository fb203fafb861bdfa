import { z } from "zod";
import { ZCreateUser, ZUser } from "./users.js";

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
    /** The ISP's country (DEFAULT_COUNTRY): its numbers are shown in national format, others international. */
    defaultCountry: z.string().regex(/^[A-Z]{2}$/),
    /**
     * The ISP's time zone (TIME_ZONE): visits' windows, the dispatch board and the visit form read
     * and write times in it, whatever the browser's, so they agree with the SMS the customer gets.
     */
    timeZone: z.string(),
    /**
     * The installation requires a second factor of this person (REQUIRE_2FA) and they have none: until
     * they set one up, the API refuses everything else with 403 auth.two_factor_required.
     */
    twoFactorEnrolmentRequired: z.boolean(),
  })
  .meta({ id: "SessionInfo" });
export type SessionInfo = z.infer<typeof ZSessionInfo>;

export { CSRF_HEADER, SESSION_COOKIE } from "./protocol.js";

/** Whether this installation still needs its first admin (first-run setup), for the sign-in page. */
export const ZSetupStatus = z.object({ needed: z.boolean() }).meta({ id: "SetupStatus" });
export type SetupStatus = z.infer<typeof ZSetupStatus>;

/** The first-run setup form: the one-time token from the server log and the first admin. */
export const ZSetup = ZCreateUser.pick({ name: true, email: true, password: true })
  .extend({
    token: z.string({ error: "Setup token is required" }).trim().min(1, "Setup token is required").max(200),
  })
  .strict();
export type Setup = z.infer<typeof ZSetup>;
