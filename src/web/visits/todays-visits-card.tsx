import { Anchor, Group, Paper, SimpleGrid, Text, Title } from "@mantine/core";
import { IconTruck } from "@tabler/icons-react";
import { Link } from "react-router";
import { VISIT_STATUSES } from "../../shared/enums.js";
import { VISIT_STATUS_LABELS } from "../../shared/labels.js";
import { useIsOffice } from "../app/auth.js";
import { useVisitsToday } from "./api.js";

/**
 * The dashboard's card of today's visits (the ISP's day) by state, with the visits whose customer
 * asked to move them; nothing on a day without visits and nothing to move.
 */
export function TodaysVisitsCard() {
  const today = useVisitsToday();
  const isOffice = useIsOffice();
  const data = today.data;
  if (!data || (data.total === 0 && data.changeRequested === 0)) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="todays-visits">
      <Group justify="space-between" mb="sm">
        <Group gap="xs">
          <IconTruck size={20} aria-hidden />
          <Title order={2} size="h4" id="todays-visits">
            Today's visits ({data.total})
          </Title>
        </Group>
        {isOffice && (
          <Anchor component={Link} to="/schedule" size="sm">
            Open the schedule
          </Anchor>
        )}
      </Group>
      <SimpleGrid cols={{ base: 3, sm: 6 }}>
        {VISIT_STATUSES.map((status) => (
          <div key={status}>
            <Text size="xs" c="dimmed">
              {VISIT_STATUS_LABELS[status]}
            </Text>
            <Text fw={700} size="lg">
              {data.byStatus[status] ?? 0}
            </Text>
          </div>
        ))}
      </SimpleGrid>
      {data.changeRequested > 0 && (
        <Text size="sm" c="red" fw={600} mt="sm">
          {data.changeRequested === 1
            ? "1 customer asked to move their visit"
            : `${data.changeRequested} customers asked to move their visits`}
          {isOffice ? " — see the schedule" : ""}
        </Text>
      )}
    </Paper>
  );
}
