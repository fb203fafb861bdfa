import { type ComponentType, lazy, Suspense } from "react";
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from "react-router";
import { SIGNED_OUT_PAGES, type WebPage, webPageFor } from "../../shared/web-pages.js";
import { LiveProvider } from "../live/live-provider.js";
import { SessionProvider, useSessionQuery } from "./auth.js";
import { AppLayout } from "./layout.js";
import { ErrorPage, NotFoundPage, PageLoader } from "./pages.js";

// Each page loads on demand: the first screen downloads only what it shows (sign-in included,
// so a signed-in user never downloads the sign-in form's code).
const pageCode: Record<WebPage, () => Promise<{ default: ComponentType }>> = {
  login: () => import("../auth/login-page.js").then((m) => ({ default: m.LoginPage })),
  setup: () => import("../auth/setup-page.js"),
  dashboard: () => import("../dashboard/dashboard-page.js"),
  customers: () => import("../customers/customers-page.js"),
  customer: () => import("../customers/customer-page.js"),
  tickets: () => import("../tickets/tickets-page.js"),
  ticket: () => import("../tickets/ticket-page.js"),
  newTicket: () => import("../tickets/new-ticket-page.js"),
  sms: () => import("../sms/sms-log-page.js"),
  settings: () => import("../settings/settings-page.js"),
  profile: () => import("../users/profile-page.js"),
  call: () => import("../call/call-page.js"),
  incidents: () => import("../incidents/incidents-page.js"),
  incident: () => import("../incidents/incident-page.js"),
  newIncident: () => import("../incidents/new-incident-page.js"),
  myDay: () => import("../visits/my-day-page.js"),
  schedule: () => import("../schedule/schedule-page.js"),
};
const LoginPage = lazy(pageCode.login);
const SetupPage = lazy(pageCode.setup);
const TwoFactorEnrolmentPage = lazy(() => import("../auth/two-factor-enrolment-page.js"));
const DashboardPage = lazy(pageCode.dashboard);
const CustomersPage = lazy(pageCode.customers);
const CustomerPage = lazy(pageCode.customer);
const TicketsPage = lazy(pageCode.tickets);
const TicketPage = lazy(pageCode.ticket);
const NewTicketPage = lazy(pageCode.newTicket);
const SmsLogPage = lazy(pageCode.sms);
const SettingsPage = lazy(pageCode.settings);
const ProfilePage = lazy(pageCode.profile);
const CallPage = lazy(pageCode.call);
const IncidentsPage = lazy(pageCode.incidents);
const IncidentPage = lazy(pageCode.incident);
const NewIncidentPage = lazy(pageCode.newIncident);
const MyDayPage = lazy(pageCode.myDay);
const SchedulePage = lazy(pageCode.schedule);

/**
 * On the first load, the page's code and (after sign-in) the pages' styles are fetched at once,
 * while the session is asked for: left to rendering, each waited for the one before (session, then
 * styles, then the page's code, then its data), a round trip each on a phone's network. (The
 * server's HTML already names them for the browser to fetch beside the app's code; this covers a
 * page the server's map does not know.) A failure is the page's to report when it renders (lazy
 * imports again).
 */
function preloadFirstPage(pathname: string) {
  const ignore = () => undefined;
  const page = webPageFor(pathname);
  if (page) pageCode[page]().catch(ignore);
  if (!page || !SIGNED_OUT_PAGES.includes(page)) import("./page-styles.js").catch(ignore);
}
preloadFirstPage(window.location.pathname);

/** Signed-in pages: a 401 anywhere drops the session and lands here, which redirects to sign-in. */
function RequireSession() {
  const session = useSessionQuery();
  const location = useLocation();
  if (session.isPending) return <PageLoader />;
  if (session.isError) return <ErrorPage error={session.error} />;
  if (!session.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  if (session.data.twoFactorEnrolmentRequired) {
    // REQUIRE_2FA covers this person and they have no second factor: setting one up comes first.
    return (
      <SessionProvider session={session.data}>
        <Suspense fallback={<PageLoader />}>
          <TwoFactorEnrolmentPage />
        </Suspense>
      </SessionProvider>
    );
  }
  return (
    <SessionProvider session={session.data}>
      {/* The tab's live event stream: opened once signed in, closed on sign-out (docs/live.md). */}
      <LiveProvider>
        {/* The page suspends to the layout's own boundary (app/layout.tsx), where the header's
            menus wait for it to be drawn: a boundary of its own here let them come first. */}
        <AppLayout>
          <Outlet />
        </AppLayout>
      </LiveProvider>
    </SessionProvider>
  );
}

const ROUTES: Parameters<typeof createBrowserRouter>[0] = [
  {
    path: "/login",
    element: (
      <Suspense fallback={<PageLoader />}>
        <LoginPage />
      </Suspense>
    ),
  },
  {
    // First-run setup (no admin yet): opened from the one-time link the server prints.
    path: "/setup",
    element: (
      <Suspense fallback={<PageLoader />}>
        <SetupPage />
      </Suspense>
    ),
  },
  {
    element: <RequireSession />,
    errorElement: <ErrorPage />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: "customers", element: <CustomersPage /> },
      { path: "customers/:id", element: <CustomerPage /> },
      { path: "tickets", element: <TicketsPage /> },
      { path: "tickets/new", element: <NewTicketPage /> },
      { path: "tickets/:id", element: <TicketPage /> },
      { path: "sms", element: <SmsLogPage /> },
      { path: "incidents", element: <IncidentsPage /> },
      { path: "incidents/new", element: <NewIncidentPage /> },
      { path: "incidents/:id", element: <IncidentPage /> },
      { path: "settings/*", element: <SettingsPage /> },
      { path: "profile", element: <ProfilePage /> },
      // A technician's visits of the day on a phone (docs/field-work.md).
      { path: "my-day", element: <MyDayPage /> },
      // The office's dispatch board: every technician's day or week (docs/field-work.md).
      { path: "schedule", element: <SchedulePage /> },
      // The screen-pop a phone system opens on an incoming call (docs/screen-pop.md).
      { path: "call", element: <CallPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];

/**
 * The router is made when the app first draws, not as its code loads: matching and ranking every
 * route is a fifth of the start-up task on a slowed phone, and the first draw runs in slices
 * (main.tsx), where it no longer lengthens that task. (The first page's code is asked for before,
 * as the module loads: preloadFirstPage above.)
 */
let router: ReturnType<typeof createBrowserRouter> | undefined;

export function AppRouter() {
  router ??= createBrowserRouter(ROUTES);
  return <RouterProvider router={router} />;
}
