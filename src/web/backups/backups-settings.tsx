import { Alert, Anchor, Badge, Button, Code, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { formatFileSize } from "../../shared/attachments.js";
import type { BackupList } from "../../shared/backups.js";
import { errorMessage } from "../app/api.js";
import { DateTime } from "../app/date-time.js";
import { backupDownloadUrl, useBackups, useTakeBackup } from "./api.js";

/** The schedule in words, and how its last run went (a failed nightly backup must not go unseen). */
function ScheduleSummary({ list }: { list: BackupList }) {
  const { schedule } = list;
  const last = schedule.lastRun;
  return (
    <Stack gap={4}>
      <Text size="sm">
        Scheduled backups: <strong>{schedule.description}</strong>
        {schedule.nextAt && (
          <>
            {" "}
            (next: <DateTime value={schedule.nextAt} />)
          </>
        )}
        . Backups older than {schedule.keepDays} days are deleted; the newest is always kept.
      </Text>
      {last?.error ? (
        <Alert color="red" title="The last scheduled backup failed">
          <Text size="sm">
            Due <DateTime value={last.slot} />: {last.error}
          </Text>
        </Alert>
      ) : last?.finishedAt ? (
        <Text size="sm" c="dimmed">
          Last scheduled backup: <DateTime value={last.finishedAt} /> ({last.name})
        </Text>
      ) : last ? (
        <Text size="sm" c="dimmed">
          A scheduled backup started <DateTime value={last.startedAt} /> and has not finished.
        </Text>
      ) : null}
      <Text size="sm" c="dimmed">
        Saved on the server in <Code>{list.directory}</Code> (BACKUP_DIR). Copy them to another machine too: a backup on
        the same disk as the database does not survive that disk.
      </Text>
    </Stack>
  );
}

/** Settings → Backups (admins): the list, "Back up now", and a download link for each. */
export default function BackupsSettings() {
  const backups = useBackups();
  const take = useTakeBackup();

  if (backups.isPending) return <Loader aria-label="Loading backups" />;
  if (backups.isError) return <Alert color="red">{errorMessage(backups.error)}</Alert>;
  const list = backups.data;
  const latest = list.items[0];

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={640}>
          A backup is a compressed SQL dump of the whole database (customers, tickets, files, staff accounts with their
          password hashes), taken while Uplink keeps running. Keep downloads somewhere safe. Restoring:
          docs/operations.md.
        </Text>
        <Group gap="xs">
          {latest && (
            <Button component="a" variant="default" href={backupDownloadUrl(latest.name)} download={latest.name}>
              Download latest
            </Button>
          )}
          <Button onClick={() => take.mutate()} loading={take.isPending} disabled={!list.available}>
            Back up now
          </Button>
        </Group>
      </Group>
      {take.isPending && (
        <Alert color="blue" title="Backing up…" role="status">
          Writing a dump of the database. On the embedded database, other requests wait while it is read (seconds for a
          small ISP).
        </Alert>
      )}
      {take.isSuccess && !take.isPending && (
        <Alert color="green" title="Backup written" role="status" withCloseButton onClose={() => take.reset()}>
          {take.data.name}: {formatFileSize(take.data.size)} in {(take.data.durationMs / 1000).toFixed(1)} s.
        </Alert>
      )}
      {take.isError && (
        <Alert color="red" title="The backup failed" withCloseButton onClose={() => take.reset()}>
          {errorMessage(take.error)}
        </Alert>
      )}
      {!list.available && list.unavailableReason && (
        <Alert color="orange" title="Backups cannot be taken by this app">
          {list.unavailableReason}
        </Alert>
      )}
      <ScheduleSummary list={list} />
      {list.items.length === 0 ? (
        <Text c="dimmed">No backups yet. “Back up now” takes the first one.</Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table striped aria-label="Backups">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Taken</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>File</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.items.map((backup, index) => (
                <Table.Tr key={backup.name}>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <DateTime value={backup.createdAt} />
                      {index === 0 && (
                        <Badge size="sm" variant="light">
                          Latest
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatFileSize(backup.size)}</Table.Td>
                  <Table.Td>
                    <Anchor
                      href={backupDownloadUrl(backup.name)}
                      download={backup.name}
                      style={{ overflowWrap: "anywhere" }}
                    >
                      {backup.name}
                    </Anchor>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
