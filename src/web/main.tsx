import "./app/zod-config.js";
// The first screen's stylesheet holds only what sign-in and the shell (header, navigation, account
// menu, alerts, modals, notifications) draw: Mantine's base styles first, then those components in
// the order of Mantine's own styles.css. The rest loads with the first page (app/page-styles.ts).
import "@mantine/core/styles/baseline.css";
import "@mantine/core/styles/default-css-variables.css";
import "@mantine/core/styles/global.css";
import "@mantine/core/styles/ScrollArea.css";
import "@mantine/core/styles/UnstyledButton.css";
import "@mantine/core/styles/VisuallyHidden.css";
import "@mantine/core/styles/Paper.css";
import "@mantine/core/styles/Overlay.css";
import "@mantine/core/styles/Popover.css";
import "@mantine/core/styles/Loader.css";
import "@mantine/core/styles/ActionIcon.css";
import "@mantine/core/styles/CloseButton.css";
import "@mantine/core/styles/Group.css";
import "@mantine/core/styles/ModalBase.css";
import "@mantine/core/styles/Input.css";
import "@mantine/core/styles/Alert.css";
import "@mantine/core/styles/Text.css";
import "@mantine/core/styles/Anchor.css";
import "@mantine/core/styles/AppShell.css";
import "@mantine/core/styles/Avatar.css";
import "@mantine/core/styles/Badge.css";
import "@mantine/core/styles/Burger.css";
import "@mantine/core/styles/Button.css";
import "@mantine/core/styles/Center.css";
import "@mantine/core/styles/Code.css";
import "@mantine/core/styles/Divider.css";
import "@mantine/core/styles/Menu.css";
import "@mantine/core/styles/Modal.css";
import "@mantine/core/styles/NavLink.css";
import "@mantine/core/styles/Notification.css";
import "@mantine/core/styles/PasswordInput.css";
import "@mantine/core/styles/Stack.css";
import "@mantine/core/styles/Title.css";
import "@mantine/core/styles/Tooltip.css";
import "@mantine/notifications/styles.css";
import { MantineProvider } from "@mantine/core";
import { ModalsProvider } from "@mantine/modals";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, StrictMode, Suspense, startTransition, useLayoutEffect } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./app/api.js";
import { primeSessionFromPage } from "./app/auth.js";
import { AppRouter } from "./app/router.js";
import { cssVariablesResolver, theme } from "./app/theme.js";
import { pageLoaded, whenIdle } from "./app/when-idle.js";
import { primeSmsStatusFromPage } from "./sms/api.js";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

primeSessionFromPage(queryClient);
primeSmsStatusFromPage(queryClient);

// Where notifications show: not needed for the first screen, so fetched once the page's own files
// have loaded and the browser is idle, not beside them (on a phone's network it would share their
// bandwidth). Pages call them through `notifications` (its store, in the "controls" file), never
// through a context: one shown before the container has loaded waits in the store and shows then.
// (Confirmation dialogs stay eager: loaded lazily beside the router, a second dialog opened from
// the first one's result did not show.)
const NOTIFICATIONS_AT_LATEST_MS = 5_000;
const NotificationsContainer = lazy(() =>
  // After 5 s in any case: the notifications (a failed save's error among them) wait meanwhile.
  pageLoaded(NOTIFICATIONS_AT_LATEST_MS)
    .then(() => whenIdle())
    .then(() => import("@mantine/notifications"))
    .then(({ Notifications }) => ({
      default: () => <Notifications position="top-right" />,
    })),
);

/**
 * A signed-in page's HTML carries a frame (header bar, "Loading…") drawn before the code arrived
 * (server: http/web.ts). It goes in the same commit as the app's first screen, whatever that is
 * (the page, its loader, sign-in, two-factor set-up, an error): no blank frame between them.
 */
function RemoveServerFrame() {
  useLayoutEffect(() => document.getElementById("uplink-shell")?.remove(), []);
  return null;
}

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
// A transition: React renders the first screen in slices, between which the browser stays free to
// answer a tap or paint, instead of in one long task (most of the first load's blocking time).
startTransition(() => {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
        <RemoveServerFrame />
        <Suspense fallback={null}>
          <NotificationsContainer />
        </Suspense>
        <QueryClientProvider client={queryClient}>
          <ModalsProvider>
            <AppRouter />
          </ModalsProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
});
