import { Alert, Button, Group, Modal, Select, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconCloudUpload } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import type { TicketStatus } from "../../shared/enums.js";
import type { VisitDetail } from "../../shared/visits.js";
import { STATUS_OPTIONS } from "../tickets/ticket-badges.js";
import { positionIf } from "./position.js";
import { completionBody, equipmentFields, type ReportFields } from "./report-outbox.js";
import { reportOutbox, useReport } from "./use-report.js";
import { VisitPhotos } from "./visit-photos.js";

/** The message of a report kept on the phone, the same on the card and in the dialog. */
export const KEPT_MESSAGE = "Saved on this phone — will send when you're back online";

const currentEquipment = (visit: VisitDetail) =>
  visit.customer
    ? { cpeModel: visit.customer.cpeModel, cpeSerial: visit.customer.cpeSerial, macAddress: visit.customer.macAddress }
    : null;

/** A fresh form: no report yet, the customer's equipment as recorded, the ticket's status unchanged. */
const freshFields = (visit: VisitDetail): ReportFields => ({
  report: "",
  ...equipmentFields(currentEquipment(visit)),
  ticketStatus: visit.ticket.status,
});

/**
 * Done: the report (required), the equipment now at the customer (prefilled with what the record
 * says; only the fields changed are sent), the ticket's status, photos (uploaded as they are
 * taken). Every keystroke is kept on the phone (report-outbox.ts); a send without an answer stays
 * there, read-only, until it goes through.
 */
export function DoneModal({
  visit,
  sharePosition,
  opened,
  onClose,
}: {
  visit: VisitDetail;
  sharePosition: boolean;
  opened: boolean;
  onClose: () => void;
}) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  const { draft, state } = useReport(visit.id);
  const fields: ReportFields = draft ?? freshFields(visit);
  const waiting = Boolean(draft?.pending);
  const [reportError, setReportError] = useState<string | null>(null);
  const [locating, setLocating] = useState(false);

  const change = (patch: Partial<ReportFields>) => {
    if (patch.report?.trim()) setReportError(null);
    reportOutbox.saveFields(visit.id, { ...fields, ...patch });
  };

  const afterSend = (outcome: Awaited<ReturnType<typeof reportOutbox.retry>>) => {
    if (outcome.kind === "sent") {
      notifications.show({ color: "green", message: `Visit completed: ${visit.ticket.number}` });
      onClose();
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (waiting) {
      afterSend(await reportOutbox.retry(visit.id));
      return;
    }
    if (!fields.report.trim()) {
      setReportError("Report: say what was done");
      document.getElementById(`report-${visit.id}`)?.focus();
      return;
    }
    setLocating(sharePosition);
    const position = await positionIf(sharePosition);
    setLocating(false);
    const body = completionBody(
      fields,
      { equipment: currentEquipment(visit), ticketStatus: visit.ticket.status },
      position,
    );
    afterSend(await reportOutbox.submit(visit.id, fields, body));
  };

  const before = equipmentFields(currentEquipment(visit));
  const was = (key: keyof typeof before) =>
    fields[key].trim() !== before[key].trim() ? `Was: ${before[key] || "none"}` : undefined;
  const busy = state.sending || locating;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={`Done: ${visit.customer?.name ?? visit.ticket.number}`}
      fullScreen={isPhone}
      size="lg"
    >
      <form noValidate onSubmit={submit}>
        <Stack>
          {waiting && (
            <Alert color="yellow" icon={<IconCloudUpload size={18} />} title={KEPT_MESSAGE}>
              <Text size="sm">
                The report below is kept on this phone and goes out as soon as the connection is back
                {state.problem?.kind === "offline" ? ` (${state.problem.message})` : ""}. It is sent once, however often
                it is retried.
              </Text>
            </Alert>
          )}
          {state.problem?.kind === "refused" && !waiting && (
            <Alert color="red" title="Not recorded">
              {state.problem.message} Your report is still here: correct it and send it again.
            </Alert>
          )}
          <Textarea
            id={`report-${visit.id}`}
            label="Report"
            description="What was done, what the customer should know"
            required
            autosize
            minRows={4}
            maxRows={12}
            value={fields.report}
            error={reportError}
            readOnly={waiting}
            onChange={(event) => change({ report: event.currentTarget.value })}
          />
          <Text size="sm" fw={600}>
            Equipment at the customer now
          </Text>
          <TextInput
            label="CPE model"
            value={fields.cpeModel}
            description={was("cpeModel")}
            readOnly={waiting}
            onChange={(event) => change({ cpeModel: event.currentTarget.value })}
          />
          <TextInput
            label="CPE serial"
            value={fields.cpeSerial}
            description={was("cpeSerial")}
            readOnly={waiting}
            autoCapitalize="characters"
            onChange={(event) => change({ cpeSerial: event.currentTarget.value })}
          />
          <TextInput
            label="MAC address"
            value={fields.macAddress}
            description={was("macAddress")}
            readOnly={waiting}
            onChange={(event) => change({ macAddress: event.currentTarget.value })}
          />
          <Select
            label="Ticket status"
            description={`Now ${STATUS_OPTIONS.find((o) => o.value === visit.ticket.status)?.label ?? visit.ticket.status}`}
            data={STATUS_OPTIONS}
            value={fields.ticketStatus}
            allowDeselect={false}
            readOnly={waiting}
            onChange={(value) => value && change({ ticketStatus: value as TicketStatus })}
          />
          <VisitPhotos visit={visit} />
          <Group justify="flex-end" wrap="wrap">
            <Button variant="default" size="md" onClick={onClose}>
              Close
            </Button>
            <Button type="submit" size="md" loading={busy}>
              {waiting ? "Retry" : "Complete visit"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
