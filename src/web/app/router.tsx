import { lazy, Suspense } from "react";
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from "react-router";
import { SessionProvider, useSessionQuery } from "./auth.js";
import { AppLayout } from "./layout.js";
import { ErrorPage, NotFoundPage, PageLoader } from "./pages.js";

// Each page loads on demand: the first screen downloads only what it shows (sign-in included,
// so a signed-in user never downloads the sign-in form's code).
const LoginPage = lazy(() => import("../auth/login-page.js").then((m) => ({ default: m.LoginPage })));
const SetupPage = lazy(() => import("../auth/setup-page.js"));
const DashboardPage = lazy(() => import("../dashboard/dashboard-page.js"));
const CustomersPage = lazy(() => import("../customers/customers-page.js"));
const CustomerPage = lazy(() => import("../customers/customer-page.js"));
const TicketsPage = lazy(() => import("../tickets/tickets-page.js"));
const TicketPage = lazy(() => import("../tickets/ticket-page.js"));
const NewTicketPage = lazy(() => import("../tickets/new-ticket-page.js"));
const SmsLogPage = lazy(() => import("../sms/sms-log-page.js"));
const SettingsPage = lazy(() => import("../settings/settings-page.js"));
const ProfilePage = lazy(() => import("../users/profile-page.js"));
const CallPage = lazy(() => import("../call/call-page.js"));

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
  return (
    <SessionProvider session={session.data}>
      <AppLayout>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppLayout>
    </SessionProvider>
  );
}

const router = createBrowserRouter([
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
      { path: "settings/*", element: <SettingsPage /> },
      { path: "profile", element: <ProfilePage /> },
      // The screen-pop a phone system opens on an incoming call (docs/screen-pop.md).
      { path: "call", element: <CallPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
