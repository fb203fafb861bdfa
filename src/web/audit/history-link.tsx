import { Button } from "@mantine/core";
import { IconHistory } from "@tabler/icons-react";
import { Link } from "react-router";
import { useIsAdmin } from "../app/auth.js";

/** The audit log of one record ("who changed the phone number?"), for admins; nothing for others. */
export function auditHistoryPath(entityType: string, entityId: string): string {
  return `/settings/audit-log?${new URLSearchParams({ entityType, entityId })}`;
}

export function HistoryLink({ entityType, entityId }: { entityType: string; entityId: string }) {
  const isAdmin = useIsAdmin();
  if (!isAdmin) return null;
  return (
    <Button
      variant="default"
      component={Link}
      to={auditHistoryPath(entityType, entityId)}
      leftSection={<IconHistory size={16} />}
    >
      History
    </Button>
  );
}
