import { Alert, Anchor, Badge, Button, Card, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPhoneIncoming, IconSearch, IconUserPlus } from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import type { Customer } from "../../shared/customers.js";
import { ApiError, errorMessage } from "../app/api.js";
import { PageHeading, usePageTitle } from "../app/page-title.js";
import { formatPhone } from "../app/phone.js";
import { CustomerStatusBadge } from "../customers/customer-badges.js";
import { CustomerForm } from "../customers/customer-form.js";
import { CustomerIncidentBanners } from "../incidents/incident-badges.js";
import { CALLER_MATCH_LIMIT, useCallerMatches } from "./api.js";

/** What the customer page is told about the call that opened it (router state, not the URL). */
export interface CallState {
  /** The caller id as the phone system sent it. */
  call: string;
  /** Which of the customer's numbers it is (the server matched one of them). */
  matched: "phone" | "altPhone";
}

/**
 * Which of a matched customer's numbers the caller id is. The server did the matching; here the
 * digits only need to tell mobile from alternative, and the last nine digits of a number are the
 * same in every form it is written in ("0012015550142", "(201) 555-0142", "020 7946 0321").
 */
function matchedPhone(customer: Customer, callerId: string): CallState["matched"] {
  const tail = (text: string | null) => (text ?? "").replace(/\D+/g, "").slice(-9);
  const caller = tail(callerId);
  return caller !== tail(customer.phone) && caller === tail(customer.altPhone) ? "altPhone" : "phone";
}

/**
 * The caller id as the phone system sent it. A "+" that the PBX put into the URL unencoded reads
 * as a space ("?number=+12015550142" gives " 12015550142"), so a leading space is a "+" again;
 * the server would read the digits without it too, but this way the prefilled form shows it.
 */
export function callerIdOf(params: URLSearchParams): string {
  const raw = params.get("number") ?? "";
  return (/^ +\d/.test(raw) ? `+${raw.trimStart()}` : raw).trim();
}

/** How the caller id is shown: in the ISP's format when it parses, else as it came. */
const shown = (callerId: string) => formatPhone(callerId).display;

/**
 * The screen-pop: a phone system opens `/call?number=<caller id>` on an incoming call. One
 * matching customer opens their page; several get a chooser; none a new-customer form with the
 * number filled in. See docs/screen-pop.md for setting it up in 3CX and FreePBX.
 */
export default function CallPage() {
  const [params] = useSearchParams();
  const callerId = callerIdOf(params);
  const matches = useCallerMatches(callerId);

  usePageTitle(`Call from ${callerId ? shown(callerId) : "unknown number"}`);

  if (!callerId) {
    return (
      <CallLayout heading="Incoming call without a number">
        <Text>
          The phone system opened this page without a caller id (a withheld number, or a URL without{" "}
          <code>?number=</code>). Search for the customer by name, address or account instead.
        </Text>
        <SearchButton />
        <NewCustomer callerId="" />
      </CallLayout>
    );
  }
  if (matches.isPending) {
    return (
      <Center h="40vh" aria-busy="true" aria-label="Looking up the caller">
        <Loader />
      </Center>
    );
  }
  if (matches.isError) {
    const unreadable = matches.error instanceof ApiError && matches.error.status === 422;
    return (
      <CallLayout heading={`Call from ${callerId}`}>
        {unreadable ? (
          <Alert color="yellow" title="Not a phone number Uplink can read">
            The caller id “{callerId}” is no valid phone number, so no customer can be matched by it. Search for the
            customer instead, or create one and type their number.
          </Alert>
        ) : (
          <Alert color="red" title="The caller could not be looked up">
            {errorMessage(matches.error)}
          </Alert>
        )}
        <SearchButton />
        {unreadable && <NewCustomer callerId="" />}
      </CallLayout>
    );
  }

  const found = matches.data;
  const only = found.length === 1 ? found[0] : undefined;
  if (only) {
    const state: CallState = { call: callerId, matched: matchedPhone(only, callerId) };
    return <Navigate to={`/customers/${only.id}`} replace state={state} />;
  }
  if (found.length === 0) {
    return (
      <CallLayout heading={`Call from ${shown(callerId)}`}>
        <Text>No customer has this number as their mobile or alternative phone.</Text>
        <SearchButton />
        <NewCustomer callerId={callerId} open />
      </CallLayout>
    );
  }
  return (
    <CallLayout heading={`Call from ${shown(callerId)}`}>
      <Text>
        {found.length >= CALLER_MATCH_LIMIT ? `More than ${CALLER_MATCH_LIMIT - 1}` : found.length} customers have this
        number. Which one is calling?
      </Text>
      <Stack gap="xs" component="ul" aria-label="Customers with this number" style={{ listStyle: "none", padding: 0 }}>
        {found.map((customer) => (
          <li key={customer.id}>
            <CallerChoice customer={customer} callerId={callerId} />
          </li>
        ))}
      </Stack>
      <NewCustomer callerId={callerId} />
    </CallLayout>
  );
}

function CallLayout({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <Stack maw={760}>
      <Group gap="xs" wrap="nowrap">
        <IconPhoneIncoming size={24} aria-hidden />
        <PageHeading style={{ overflowWrap: "anywhere" }}>{heading}</PageHeading>
      </Group>
      {children}
    </Stack>
  );
}

function SearchButton() {
  return (
    <Group>
      <Button component={Link} to="/customers" variant="light" leftSection={<IconSearch size={16} />}>
        Search customers
      </Button>
    </Group>
  );
}

/** One customer in the chooser: enough to tell a household's members apart. */
function CallerChoice({ customer, callerId }: { customer: Customer; callerId: string }) {
  const state: CallState = { call: callerId, matched: matchedPhone(customer, callerId) };
  const address = [customer.street, customer.city].filter(Boolean).join(", ");
  const which = state.matched === "altPhone" ? "Alternative phone" : "Mobile phone";
  return (
    <Card withBorder padding="sm">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Stack gap={2} style={{ minWidth: 0, flex: "1 1 16rem" }}>
          <Anchor component={Link} to={`/customers/${customer.id}`} state={state} fw={600}>
            {customer.name}
          </Anchor>
          <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            {customer.accountNumber}
            {address ? ` · ${address}` : ""}
            {` · ${which}`}
          </Text>
        </Stack>
        {customer.archivedAt ? (
          <Badge color="gray" variant="filled">
            Archived
          </Badge>
        ) : (
          <CustomerStatusBadge status={customer.status} />
        )}
      </Group>
      {/* Which of them is calling is a question; an outage at their site answers most calls. */}
      <CustomerIncidentBanners customerId={customer.id} mt="xs" />
    </Card>
  );
}

/** A new customer with the caller's number filled in; opened at once when nobody matched. */
function NewCustomer({ callerId, open = false }: { callerId: string; open?: boolean }) {
  const [creating, setCreating] = useState(open);
  const [created, setCreated] = useState<string | null>(null);
  if (created) return <Navigate to={`/customers/${created}`} />;
  if (!creating) {
    return (
      <Group>
        <Button variant="default" leftSection={<IconUserPlus size={16} />} onClick={() => setCreating(true)}>
          New customer{callerId ? " with this number" : ""}
        </Button>
      </Group>
    );
  }
  return (
    <Card withBorder component="section" aria-label="New customer">
      <Title order={2} size="h4" mb="sm">
        New customer
      </Title>
      <CustomerForm
        prefill={{ phone: callerId }}
        onCancel={() => setCreating(false)}
        onSaved={(saved) => {
          notifications.show({ color: "green", message: `${saved.name} created as ${saved.accountNumber}` });
          for (const warning of saved.warnings) {
            notifications.show({ color: "yellow", title: "Possible duplicate", message: warning.message });
          }
          setCreated(saved.id);
        }}
      />
    </Card>
  );
}
