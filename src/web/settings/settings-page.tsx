import { Alert, Stack, Tabs, Title } from "@mantine/core";
import { lazy, Suspense } from "react";
import { useNavigate, useParams } from "react-router";
import { useIsAdmin } from "../app/auth.js";
import { PageLoader } from "../app/pages.js";

// Each tab belongs to its feature; the page only arranges them.
const TABS = [
  { value: "staff", label: "Staff", Panel: lazy(() => import("../users/staff-settings.js")) },
  { value: "plans", label: "Service plans", Panel: lazy(() => import("../plans/plans-settings.js")) },
  { value: "sites", label: "Network sites", Panel: lazy(() => import("../sites/sites-settings.js")) },
  { value: "sla", label: "Ticket SLA", Panel: lazy(() => import("../tickets/sla-settings.js")) },
  { value: "sms-templates", label: "SMS templates", Panel: lazy(() => import("../sms/templates-settings.js")) },
  { value: "webhooks", label: "Webhooks", Panel: lazy(() => import("../webhooks/webhooks-settings.js")) },
] as const;

export default function SettingsPage() {
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const params = useParams();
  const current = TABS.find((tab) => tab.value === params["*"])?.value ?? "staff";

  if (!isAdmin) {
    return (
      <Alert color="orange" title="Admins only">
        Settings can be changed by admin accounts only.
      </Alert>
    );
  }
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <Tabs value={current} onChange={(value) => value && navigate(`/settings/${value}`)} keepMounted={false}>
        <Tabs.List style={{ flexWrap: "wrap" }}>
          {TABS.map((tab) => (
            <Tabs.Tab key={tab.value} value={tab.value}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((tab) => (
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
