/**
 * The web app's pages by address: which page's code a path opens. The browser uses it to fetch the
 * first page's code while it asks for the session (src/web/app/router.tsx), and the server to name
 * that code in the HTML it answers (src/server/http/web.ts), so it downloads beside the app's own
 * code instead of after it: one round trip less on a phone's network.
 */
export const WEB_PAGES = {
  login: "auth/login-page.tsx",
  setup: "auth/setup-page.tsx",
  dashboard: "dashboard/dashboard-page.tsx",
  customers: "customers/customers-page.tsx",
  customer: "customers/customer-page.tsx",
  tickets: "tickets/tickets-page.tsx",
  ticket: "tickets/ticket-page.tsx",
  newTicket: "tickets/new-ticket-page.tsx",
  sms: "sms/sms-log-page.tsx",
  settings: "settings/settings-page.tsx",
  profile: "users/profile-page.tsx",
  call: "call/call-page.tsx",
  incidents: "incidents/incidents-page.tsx",
  incident: "incidents/incident-page.tsx",
  newIncident: "incidents/new-incident-page.tsx",
  myDay: "visits/my-day-page.tsx",
  schedule: "schedule/schedule-page.tsx",
} as const;

export type WebPage = keyof typeof WEB_PAGES;

/** The id of a signed-in admin's page data block carrying the SMS status (server: http/web.ts). */
export const SMS_STATUS_BLOCK = "uplink-sms-status";

/** Pages shown without a session: they need neither the session nor the signed-in pages' styles. */
export const SIGNED_OUT_PAGES: readonly WebPage[] = ["login", "setup"];

/** The page a path opens (as the router maps it), or null for a path no page answers. */
export function webPageFor(pathname: string): WebPage | null {
  const [first = "", second, third] = pathname.split("/").filter(Boolean);
  if (third !== undefined && first !== "settings") return null;
  switch (first) {
    case "":
      return "dashboard";
    case "login":
      return second === undefined ? "login" : null;
    case "setup":
      return second === undefined ? "setup" : null;
    case "customers":
      return second === undefined ? "customers" : "customer";
    case "tickets":
      return second === undefined ? "tickets" : second === "new" ? "newTicket" : "ticket";
    case "incidents":
      return second === undefined ? "incidents" : second === "new" ? "newIncident" : "incident";
    case "sms":
      return second === undefined ? "sms" : null;
    case "settings":
      return "settings";
    case "profile":
      return second === undefined ? "profile" : null;
    case "call":
      return second === undefined ? "call" : null;
    case "my-day":
      return second === undefined ? "myDay" : null;
    case "schedule":
      return second === undefined ? "schedule" : null;
    default:
      return null;
  }
}
