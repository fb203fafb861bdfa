import { Alert, Stack, Tabs } from "@mantine/core";
import { lazy, Suspense } from "react";
import { useNavigate, useParams } from "react-router";
import { useIsAdmin } from "../app/auth.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { PageLoader } from "../app/pages.js";

// Each tab belongs to its feature; the page only arranges them.
const TABS = [
  { value: "staff", label: "Staff", Panel: lazy(() => import("../users/staff-settings.js")) },
  { value: "plans", label: "Service plans", Panel: lazy(() => import("../plans/plans-settings.js")) },
  { value: "sites", label: "Network sites", Panel: lazy(() => import("../sites/sites-settings.js")) },
  { value: "sla", label: "Ticket SLA", Panel: lazy(() => import("../tickets/sla-settings.js")) },
  { value: "sms-templates", label: "SMS templates", Panel: lazy(() => import("../sms/templates-settings.js")) },
  { value: "api-tokens", label: "API tokens", Panel: lazy(() => import("../tokens/tokens-settings.js")) },
  { value: "webhooks", label: "Webhooks", Panel: lazy(() => import("../webhooks/webhooks-settings.js")) },
  { value: "backups", label: "Backups", Panel: lazy(() => import("../backups/backups-settings.js")) },
  { value: "audit-log", label: "Audit log", Panel: lazy(() => import("../audit/audit-log-settings.js")) },
] as const;
/** Every staff member manages their own API tokens; the other tabs are admins'. */
const STAFF_TABS = TABS.filter((tab) => tab.value === "api-tokens");

export default function SettingsPage() {
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const params = useParams();
  const tabs = isAdmin ? TABS : STAFF_TABS;
  const current = tabs.find((tab) => tab.value === params["*"]) ?? tabs[0] ?? TABS[0];
  usePageTitle(`${current.label} · Settings`);

  if (!isAdmin && params["*"] !== "api-tokens") {
    return (
      <Alert color="orange" title="Admins only">
        Settings can be changed by admin accounts only.
      </Alert>
    );
  }
  return (
    <Stack>
      <PageHeading>Settings</PageHeading>
      <Tabs value={current.value} onChange={(value) => value && navigate(`/settings/${value}`)} keepMounted={false}>
        <Tabs.List style={{ flexWrap: "wrap" }}>
          {tabs.map((tab) => (
            <Tabs.Tab key={tab.value} value={tab.value}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map((tab) => (
          <Tabs.Panel key={tab.value} value={tab.value} pt="md">
            <Suspense fallback={<PageLoader />}>
              <tab.Panel />
            </Suspense>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
