import type { UserRole } from "../../src/shared/enums.js";
import type { User, UserList } from "../../src/shared/users.js";
import type { StaffClient } from "./http.js";

/** Password of the accounts the load test creates (the API wants at least 10 characters). */
export const LOAD_ACCOUNT_PASSWORD = "load-test-staff";
/** One in ten simulated staff is an admin (office staff: dashboard, SMS log, assigning). */
export const ADMIN_SHARE = 0.1;

export interface StaffAccount {
  email: string;
  password: string;
  role: UserRole;
}

export interface StaffPlan {
  accounts: StaffAccount[];
  /** Active staff, for assigning tickets to someone else. */
  assignable: { id: string; role: UserRole }[];
  created: number;
}

export class SetupError extends Error {
  override name = "SetupError";
}

const loadEmail = (role: UserRole, n: number) =>
  role === "admin"
    ? `load.admin${String(n).padStart(3, "0")}@isp.com`
    : `load.tech${String(n).padStart(3, "0")}@isp.com`;

async function listActiveUsers(admin: StaffClient): Promise<User[]> {
  const users: User[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.get<UserList>("setup: list staff", "/api/users", { limit: 200, active: "true", cursor });
    if (!page.ok) throw new SetupError(`listing staff accounts failed with ${page.status}`);
    users.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return users;
}

/**
 * Picks one distinct account per simulated staff member: the demo accounts whose published
 * password still works (the app lists them to admins as "default password" accounts), then
 * accounts named load.techNNN / load.adminNNN, created through the admin API when missing (a later
 * run finds and reuses them).
 */
export async function prepareStaff(
  admin: StaffClient,
  options: { users: number; adminEmail: string; adminPassword: string; demoPassword: string },
  defaultPasswordAccounts: readonly string[],
): Promise<StaffPlan> {
  const wantedAdmins = options.users === 1 ? 0 : Math.max(1, Math.round(options.users * ADMIN_SHARE));
  const wantedTechnicians = options.users - wantedAdmins;
  const active = await listActiveUsers(admin);
  const byEmail = new Map(active.map((user) => [user.email.toLowerCase(), user]));
  const withDefaultPassword = new Set(defaultPasswordAccounts.map((email) => email.toLowerCase()));

  const admins: StaffAccount[] = [{ email: options.adminEmail, password: options.adminPassword, role: "admin" }];
  const technicians: StaffAccount[] = active
    .filter((user) => user.role === "technician" && withDefaultPassword.has(user.email.toLowerCase()))
    .map((user) => ({ email: user.email, password: options.demoPassword, role: "technician" as const }));

  let created = 0;
  const fill = async (list: StaffAccount[], role: UserRole, wanted: number) => {
    for (let n = 1; list.length < wanted; n++) {
      const email = loadEmail(role, n);
      const existing = byEmail.get(email);
      if (existing && existing.role !== role) continue;
      if (!existing) {
        const name = role === "admin" ? `Load Admin ${n}` : `Load Technician ${n}`;
        const response = await admin.send<User>("setup: create account", "POST", "/api/users", {
          body: { name, email, role, password: LOAD_ACCOUNT_PASSWORD },
        });
        // 409: an inactive account of that name exists (inactive ones are not listed); skip it.
        if (!response.ok && response.status === 409) continue;
        if (!response.ok) throw new SetupError(`creating ${email} failed with ${response.status}`);
        active.push(response.body);
        created++;
      }
      list.push({ email, password: LOAD_ACCOUNT_PASSWORD, role });
    }
  };
  await fill(admins, "admin", wantedAdmins);
  await fill(technicians, "technician", wantedTechnicians);

  return {
    accounts: [...technicians.slice(0, wantedTechnicians), ...admins.slice(0, wantedAdmins)],
    assignable: active.map((user) => ({ id: user.id, role: user.role })),
    created,
  };
}
