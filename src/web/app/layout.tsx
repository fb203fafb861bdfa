import {
  ActionIcon,
  Alert,
  AppShell,
  Avatar,
  Box,
  Burger,
  Group,
  NavLink,
  Text,
  useComputedColorScheme,
  useMantineColorScheme,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconAlertTriangle,
  IconCalendarEvent,
  IconCalendarWeek,
  IconDashboard,
  IconMessage,
  IconMoon,
  IconSettings,
  IconSun,
  IconTicket,
  IconUsers,
} from "@tabler/icons-react";
import { lazy, type ReactNode, Suspense, startTransition, use, useCallback, useEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router";
import { PaletteLauncher } from "../search/palette-launcher.js";
import { useSmsStatus } from "../sms/api.js";
import { SmsOffBanner } from "../sms/sms-off-banner.js";
import { useSession } from "./auth.js";
import { MAIN_ID, SkipLink, useFocusHeadingOnNavigation } from "./page-title.js";
import { PageLoader } from "./pages.js";
import { whenIdle } from "./when-idle.js";

// The account menu needs the floating-dropdown code (about 25 KB gzip); it loads just after the
// first paint instead of holding it up. The bell and its popover likewise (docs/notifications.md).
// Their places are kept meanwhile. They are drawn once the page is on screen (HeaderMenusWhenIdle).
const loadUserMenu = () => import("./user-menu.js");
const loadNotificationBell = () => import("../notifications/notification-bell.js");
const UserMenu = lazy(loadUserMenu);
const NotificationBell = lazy(loadNotificationBell);
/** What holds the bell's and the account menu's places until they are drawn. */
const BELL_PLACE = <Box w={34} h={34} aria-hidden="true" />;
const ACCOUNT_MENU_PLACE = <Avatar radius="xl" size="sm" color="blue" aria-hidden="true" />;

/**
 * Should a page take long to show (its code or styles slow to arrive, an admin's SMS status), the
 * menus show after this anyway: signing out is never more than a few seconds away.
 */
const HEADER_MENUS_AT_LATEST_MS = 3_000;

/**
 * Draws the header's account menu and bell once the page's own content has been drawn and the
 * browser is idle after it (mounted beside the page, inside its Suspense boundary, so its effect
 * runs only once the page has committed). Mantine's menus and popovers register their button with
 * the positioning code from a ref callback: an update React runs at once, in the mounting commit's
 * task, after running every effect still pending on the page. Mounted with the page, they put the
 * page's effects (its queries starting, media queries measuring the new layout) and a second render
 * of the header into one task of 40 to 130 ms on this machine, before the screen could paint; now
 * they cost their own few milliseconds.
 */
function HeaderMenusWhenIdle({ show }: { show: () => void }) {
  useEffect(() => {
    let cancelled = false;
    void whenIdle().then(() => {
      if (!cancelled) startTransition(show);
    });
    return () => {
      cancelled = true;
    };
  }, [show]);
  return null;
}

// The pages' component styles (tables, tabs, date pickers, charts…) are not in the first screen's
// stylesheet: they load once, when the first page after sign-in does, and no page shows before them.
let pageStyles: Promise<unknown> | undefined;
function PageStyles({ children }: { children: ReactNode }) {
  pageStyles ??= import("./page-styles.js");
  use(pageStyles);
  return children;
}

const DASHBOARD = { to: "/", label: "Dashboard", icon: IconDashboard, exact: true } as const;
const MY_DAY = { to: "/my-day", label: "My day", icon: IconCalendarEvent } as const;
const NAV = [
  DASHBOARD,
  MY_DAY,
  { to: "/customers", label: "Customers", icon: IconUsers },
  { to: "/tickets", label: "Tickets", icon: IconTicket },
  { to: "/incidents", label: "Incidents", icon: IconAlertTriangle },
  { to: "/sms", label: "SMS log", icon: IconMessage },
] as const;
/** A technician's home is My day: first in their menu (anyone may be sent out, so everyone has it). */
const TECHNICIAN_NAV = [MY_DAY, DASHBOARD, ...NAV.slice(2)] as const;
/** The office plans the technicians' visits on the dispatch board. */
const OFFICE_NAV = [
  DASHBOARD,
  MY_DAY,
  { to: "/schedule", label: "Schedule", icon: IconCalendarWeek },
  ...NAV.slice(2),
] as const;

export function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const next = scheme === "dark" ? "light" : "dark";
  return (
    <ActionIcon
      variant="default"
      size="lg"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => setColorScheme(next)}
    >
      {scheme === "dark" ? <IconSun size={18} /> : <IconMoon size={18} />}
    </ActionIcon>
  );
}

/**
 * An admin's page waits for the SMS status (asked in parallel with the page's code) so that the
 * "SMS is off" notice does not appear above a page already drawn and push it down as it is read.
 */
function AfterAdminNotices({ isAdmin, children }: { isAdmin: boolean; children: ReactNode }) {
  const smsStatus = useSmsStatus(undefined, { enabled: isAdmin });
  if (isAdmin && smsStatus.isPending) return <PageLoader />;
  return children;
}

function DefaultPasswordWarning() {
  const { defaultPasswordAccounts } = useSession();
  if (defaultPasswordAccounts.length === 0) return null;
  return (
    <Alert color="orange" title="Demo accounts still use their published passwords" mb="md">
      {defaultPasswordAccounts.join(", ")} can be signed into by anyone who has read the documentation. Change their
      passwords in <Link to="/settings/staff">Settings → Staff</Link>, or deactivate them.
    </Alert>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { user } = useSession();
  const location = useLocation();
  const isActive = (to: string, exact?: boolean) =>
    exact ? location.pathname === to : location.pathname === to || location.pathname.startsWith(`${to}/`);
  const main = useRef<HTMLElement>(null);
  useFocusHeadingOnNavigation(main);
  const [headerMenus, setHeaderMenus] = useState(false);
  const showHeaderMenus = useCallback(() => setHeaderMenus(true), []);
  useEffect(() => {
    // Their code downloads meanwhile, asked for when the browser is first idle: asking adds the
    // files' preload links to the page, which cost 15 to 30 ms among the page's own effects
    // (errors show where they are drawn, as before).
    void whenIdle().then(() => {
      loadUserMenu().catch(() => undefined);
      loadNotificationBell().catch(() => undefined);
    });
    const latest = setTimeout(() => startTransition(showHeaderMenus), HEADER_MENUS_AT_LATEST_MS);
    return () => clearTimeout(latest);
  }, [showHeaderMenus]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <SkipLink />
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
              aria-expanded={opened}
            />
            <Text component={Link} to="/" fw={700} size="lg" style={{ textDecoration: "none", color: "inherit" }}>
              Uplink
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <PaletteLauncher />
            <ThemeToggle />
            {headerMenus ? (
              <Suspense fallback={BELL_PLACE}>
                <NotificationBell />
              </Suspense>
            ) : (
              BELL_PLACE
            )}
            {headerMenus ? (
              <Suspense fallback={ACCOUNT_MENU_PLACE}>
                <UserMenu />
              </Suspense>
            ) : (
              ACCOUNT_MENU_PLACE
            )}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        {(user.role === "technician" ? TECHNICIAN_NAV : OFFICE_NAV).map((item) => (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            leftSection={<item.icon size={18} />}
            active={isActive(item.to, "exact" in item ? item.exact : false)}
            aria-current={isActive(item.to, "exact" in item ? item.exact : false) ? "page" : undefined}
            onClick={close}
          />
        ))}
        {user.role === "admin" && (
          <NavLink
            component={Link}
            to="/settings"
            label="Settings"
            leftSection={<IconSettings size={18} />}
            active={isActive("/settings")}
            aria-current={isActive("/settings") ? "page" : undefined}
            onClick={close}
          />
        )}
      </AppShell.Navbar>
      {/* Focused by the skip link; its outline would frame the whole page. */}
      <AppShell.Main id={MAIN_ID} ref={main} tabIndex={-1} style={{ outline: "none" }}>
        {user.role === "admin" && <DefaultPasswordWarning />}
        {user.role === "admin" && <SmsOffBanner />}
        <Suspense fallback={<PageLoader />}>
          <AfterAdminNotices isAdmin={user.role === "admin"}>
            <PageStyles>
              {!headerMenus && <HeaderMenusWhenIdle show={showHeaderMenus} />}
              {children}
            </PageStyles>
          </AfterAdminNotices>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
