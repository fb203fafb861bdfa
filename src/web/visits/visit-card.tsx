import { Alert, Anchor, Button, Card, Group, Modal, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconCar,
  IconCheck,
  IconCloudUpload,
  IconDoorOff,
  IconMapPin,
  IconMapPinFilled,
  IconPhone,
} from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link } from "react-router";
import { CONNECTION_TYPE_LABELS, VISIT_KIND_LABELS } from "../../shared/labels.js";
import { ETA_CHOICES, type VisitDetail } from "../../shared/visits.js";
import { errorMessage } from "../app/api.js";
import { formatPhone } from "../app/phone.js";
import { useVisitStep } from "./api.js";
import { DoneModal, KEPT_MESSAGE } from "./done-modal.js";
import { positionIf } from "./position.js";
import { reportOutbox, useReport } from "./use-report.js";
import { VisitStatusBadge } from "./visit-badges.js";
import { directionLinks, formatClock, formatDayWindow, formatWindow } from "./visit-format.js";

/** A labelled value of the customer's connection; long values (an IPv6 address) break. */
function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        {children === null || children === undefined || children === "" ? "—" : children}
      </Text>
    </div>
  );
}

/** A button that calls the number: big enough for a thumb, the number as the office writes it. */
function CallButton({ phone, label }: { phone: string; label: string }) {
  const { display, e164 } = formatPhone(phone);
  return (
    <Button
      component="a"
      href={`tel:${e164}`}
      variant="light"
      size="md"
      leftSection={<IconPhone size={18} />}
      aria-label={`Call ${label} ${display}`}
    >
      {display}
    </Button>
  );
}

function Directions({ customer }: { customer: NonNullable<VisitDetail["customer"]> }) {
  const links = directionLinks(customer);
  if (!links) return null;
  const link = (href: string, label: string, external: boolean) => (
    <Button
      component="a"
      href={href}
      variant="default"
      size="sm"
      {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}
      aria-label={`${label}: directions to ${customer.name}`}
    >
      {label}
    </Button>
  );
  return (
    <Group gap="xs" wrap="wrap">
      <Button
        component="a"
        href={links.geo}
        size="sm"
        variant="light"
        leftSection={<IconMapPinFilled size={16} />}
        aria-label={`Maps app: directions to ${customer.name}`}
      >
        Maps app
      </Button>
      {link(links.openStreetMap, "OpenStreetMap", true)}
      {link(links.googleMaps, "Google Maps", true)}
    </Group>
  );
}

/** On my way: one tap on the ETA sends it; the customer is told by SMS. */
function EtaModal({ visit, opened, onClose }: { visit: VisitDetail; opened: boolean; onClose: () => void }) {
  const enRoute = useVisitStep("en-route");
  return (
    <Modal opened={opened} onClose={onClose} title="On my way: how long until you arrive?">
      <Stack>
        <Text size="sm">
          {visit.customer?.name ?? "The customer"} gets an SMS saying you are on the way and when you expect to arrive.
        </Text>
        <SimpleGrid cols={2}>
          {ETA_CHOICES.map((minutes) => (
            <Button
              key={minutes}
              size="xl"
              variant={enRoute.isPending && enRoute.variables?.body.etaMinutes === minutes ? "filled" : "light"}
              loading={enRoute.isPending && enRoute.variables?.body.etaMinutes === minutes}
              disabled={enRoute.isPending}
              onClick={() =>
                enRoute.mutate(
                  { id: visit.id, body: { etaMinutes: minutes } },
                  {
                    onSuccess: () => {
                      notifications.show({ color: "green", message: `On your way: ETA ${minutes} min` });
                      onClose();
                    },
                  },
                )
              }
            >
              {minutes} min
            </Button>
          ))}
        </SimpleGrid>
        {enRoute.isError && <Alert color="red">{errorMessage(enRoute.error)}</Alert>}
      </Stack>
    </Modal>
  );
}

/** Couldn't get in: confirmed first, because the customer is texted at once. */
function NoAccessModal({
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
  const noAccess = useVisitStep("no-access");
  const [note, setNote] = useState("");
  const [locating, setLocating] = useState(false);
  const confirm = async () => {
    setLocating(sharePosition);
    const position = await positionIf(sharePosition);
    setLocating(false);
    noAccess.mutate(
      { id: visit.id, body: { note: note.trim() || null, position } },
      {
        onSuccess: () => {
          notifications.show({ color: "orange", message: "Recorded: couldn't get in" });
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Couldn't get in?">
      <Stack>
        <Text size="sm">
          {visit.customer?.name ?? "The customer"} gets an SMS saying you could not get in, asking them to reply to
          rebook. The visit ends here.
        </Text>
        <Textarea
          label="Note (optional)"
          description="For the office: what you found"
          autosize
          minRows={2}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
        />
        {noAccess.isError && <Alert color="red">{errorMessage(noAccess.error)}</Alert>}
        <Group justify="flex-end" wrap="wrap">
          <Button variant="default" size="md" onClick={onClose}>
            Back
          </Button>
          <Button color="orange" size="md" onClick={confirm} loading={locating || noAccess.isPending}>
            Couldn't get in
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A report kept on this phone, not confirmed yet: said on the card, with Retry. */
function KeptReport({ visitId, onOpen }: { visitId: string; onOpen: () => void }) {
  const { draft, state } = useReport(visitId);
  if (!draft?.pending) return null;
  return (
    <Alert color="yellow" icon={<IconCloudUpload size={18} />} title={KEPT_MESSAGE}>
      <Stack gap="xs">
        <Text size="sm">The Done report is on this phone and not yet with the office.</Text>
        <Group gap="xs" wrap="wrap">
          <Button size="md" loading={state.sending} onClick={() => reportOutbox.retry(visitId)}>
            Retry
          </Button>
          <Button size="md" variant="default" onClick={onOpen}>
            Open report
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

/** One of today's visits, everything needed on the doorstep, and the next step as a big button. */
export function VisitCard({
  visit,
  timeZone,
  sharePosition,
}: {
  visit: VisitDetail;
  timeZone: string;
  sharePosition: boolean;
}) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  const [open, setOpen] = useState<"eta" | "done" | "no-access" | null>(null);
  const arrived = useVisitStep("arrived");
  const [locating, setLocating] = useState(false);
  const customer = visit.customer;
  const live = visit.status === "scheduled" || visit.status === "en_route" || visit.status === "on_site";
  const close = () => setOpen(null);

  const arrive = async () => {
    setLocating(sharePosition);
    const position = await positionIf(sharePosition);
    setLocating(false);
    arrived.mutate(
      { id: visit.id, body: { position } },
      { onSuccess: () => notifications.show({ color: "green", message: "Checked in" }) },
    );
  };

  const slot = formatWindow(visit, timeZone);
  const big = { size: "lg", fullWidth: isPhone } as const;

  return (
    <Card withBorder padding="md" component="article" aria-label={`${slot}: ${customer?.name ?? visit.ticket.subject}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={700} size="lg">
            {slot}
          </Text>
          <VisitStatusBadge status={visit.status} />
        </Group>
        <Text size="sm">
          {VISIT_KIND_LABELS[visit.kind]} ·{" "}
          <Anchor component={Link} to={`/tickets/${visit.ticketId}`}>
            {visit.ticket.number}
          </Anchor>{" "}
          <span style={{ overflowWrap: "anywhere" }}>{visit.ticket.subject}</span>
        </Text>
        {customer ? (
          <>
            <Title order={3} size="h4" style={{ overflowWrap: "anywhere" }}>
              {customer.name}
            </Title>
            <Group gap={6} wrap="nowrap" align="flex-start">
              <IconMapPin size={18} aria-hidden="true" style={{ flexShrink: 0, marginTop: 2 }} />
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                {customer.address ?? "No address on record"}
              </Text>
            </Group>
            <Directions customer={customer} />
            {(customer.phone || customer.altPhone) && (
              <Group gap="xs" wrap="wrap">
                {customer.phone && <CallButton phone={customer.phone} label={customer.name} />}
                {customer.altPhone && <CallButton phone={customer.altPhone} label={`${customer.name} (alternative)`} />}
              </Group>
            )}
            <SimpleGrid cols={2} spacing="xs" verticalSpacing="xs">
              <Detail label="Site">{customer.siteName}</Detail>
              <Detail label="Plan">{customer.planName}</Detail>
              <Detail label="Connection">
                {customer.connectionType && CONNECTION_TYPE_LABELS[customer.connectionType]}
              </Detail>
              <Detail label="VLAN">{customer.vlanId}</Detail>
              <Detail label="IP address">{customer.ipAddress}</Detail>
              <Detail label="MAC address">{customer.macAddress}</Detail>
              <Detail label="CPE model">{customer.cpeModel}</Detail>
              <Detail label="CPE serial">{customer.cpeSerial}</Detail>
            </SimpleGrid>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            No customer on this ticket: a network job.
          </Text>
        )}
        {visit.notes && (
          <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            <Text span c="dimmed" size="sm">
              Notes:{" "}
            </Text>
            {visit.notes}
          </Text>
        )}
        {visit.status === "en_route" && visit.etaAt && (
          <Text size="sm">Expected at {formatClock(visit.etaAt, timeZone)}</Text>
        )}
        {visit.status === "on_site" && visit.arrivedAt && (
          <Text size="sm">Arrived at {formatClock(visit.arrivedAt, timeZone)}</Text>
        )}
        {(visit.status === "completed" || visit.status === "no_access") && visit.report && (
          <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            <Text span c="dimmed" size="sm">
              {visit.status === "completed" ? "Report:" : "Note:"}{" "}
            </Text>
            {visit.report}
          </Text>
        )}
        <KeptReport visitId={visit.id} onOpen={() => setOpen("done")} />
        {live && (
          <Stack gap="xs">
            <Group gap="xs" grow={!isPhone} wrap="wrap">
              {visit.status === "scheduled" && (
                <Button {...big} leftSection={<IconCar size={20} />} onClick={() => setOpen("eta")}>
                  On my way
                </Button>
              )}
              {visit.status !== "on_site" && (
                <Button
                  {...big}
                  variant={visit.status === "scheduled" ? "light" : "filled"}
                  leftSection={<IconMapPinFilled size={20} />}
                  loading={locating || arrived.isPending}
                  onClick={arrive}
                >
                  Arrived
                </Button>
              )}
              {visit.status === "on_site" && (
                <Button {...big} color="green" leftSection={<IconCheck size={20} />} onClick={() => setOpen("done")}>
                  Done
                </Button>
              )}
              <Button
                {...big}
                variant="default"
                leftSection={<IconDoorOff size={20} />}
                onClick={() => setOpen("no-access")}
              >
                Couldn't get in
              </Button>
            </Group>
            {visit.status === "en_route" && (
              <Button variant="subtle" size="sm" onClick={() => setOpen("eta")}>
                Held up? Send a new ETA
              </Button>
            )}
            {arrived.isError && <Alert color="red">{errorMessage(arrived.error)}</Alert>}
          </Stack>
        )}
      </Stack>
      {open === "eta" && <EtaModal visit={visit} opened onClose={close} />}
      {open === "done" && <DoneModal visit={visit} sharePosition={sharePosition} opened onClose={close} />}
      {open === "no-access" && <NoAccessModal visit={visit} sharePosition={sharePosition} opened onClose={close} />}
    </Card>
  );
}

/** Tomorrow's visit: the window, the customer and where, the ticket. */
export function UpcomingVisit({ visit, timeZone }: { visit: VisitDetail; timeZone: string }) {
  return (
    <Card withBorder padding="sm" component="article" aria-label={formatDayWindow(visit, timeZone)}>
      <Stack gap={4}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600}>{formatWindow(visit, timeZone)}</Text>
          <Text size="sm">{VISIT_KIND_LABELS[visit.kind]}</Text>
        </Group>
        {visit.customer && (
          <Text size="sm" style={{ overflowWrap: "anywhere" }}>
            {visit.customer.name}
            {visit.customer.address ? ` · ${visit.customer.address}` : ""}
          </Text>
        )}
        <Text size="sm" style={{ overflowWrap: "anywhere" }}>
          <Anchor component={Link} to={`/tickets/${visit.ticketId}`}>
            {visit.ticket.number}
          </Anchor>{" "}
          {visit.ticket.subject}
        </Text>
      </Stack>
    </Card>
  );
}
