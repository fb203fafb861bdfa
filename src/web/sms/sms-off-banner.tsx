import { Alert, Text } from "@mantine/core";
import { useIsAdmin } from "../app/auth.js";
import { useSmsStatus } from "./api.js";

/**
 * Admins only: SMS is switched off on this server (Twilio is not configured), so every SMS action
 * is disabled and every notification is logged as skipped. Admins see which settings to set;
 * nobody else sees configuration details (their SMS buttons say why they are disabled).
 */
export function SmsOffBanner() {
  const isAdmin = useIsAdmin();
  const status = useSmsStatus();
  if (!isAdmin || !status.data || status.data.configured) return null;
  return (
    <Alert color="yellow" title="SMS is off" mb="md" role="status" aria-label="SMS is off">
      <Text size="sm">
        {status.data.reason}: no text message reaches customers or technicians. Notifications are logged as skipped, and
        the SMS buttons are disabled for everyone.
      </Text>
      {status.data.adminHint && (
        <Text size="xs" c="dimmed" mt={4}>
          {status.data.adminHint}
        </Text>
      )}
    </Alert>
  );
}
