import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMediaQuery } from "@mantine/hooks";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import type { UserRole } from "../../shared/enums.js";
import {
  type ApiToken,
  type CreatedApiToken,
  scopesAllowedFor,
  TOKEN_SCOPES,
  type TokenScope,
} from "../../shared/tokens.js";
import { ApiError, errorMessage } from "../app/api.js";
import { useSession } from "../app/auth.js";
import { CopyValue } from "../app/copy-value.js";
import { DateTime } from "../app/date-time.js";
import { useStaff } from "../users/api.js";
import { useApiTokens, useCreateApiToken, useRevokeApiToken } from "./api.js";

const SCOPE_HELP: Record<TokenScope, string> = {
  read: "Read: look things up (GET)",
  write: "Write: create and change tickets, customers, SMS…",
  admin: "Admin: admin-only settings (plans, sites, staff, templates)",
};

/** Someone a token can be created for: the owner's role decides which scopes it may hold. */
interface Owner {
  id: string;
  name: string;
  role: UserRole;
}

/**
 * The create form for admins: the same form with an Owner select (active staff). Other admins are
 * listed but cannot be chosen: the server refuses, as such a token would act in their name.
 */
function AdminCreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const staff = useStaff({ active: true });
  return (
    <CreateTokenForm
      onCreated={onCreated}
      owners={{
        list: staff.data ?? [],
        loading: staff.isPending,
        error: staff.isError ? errorMessage(staff.error) : null,
      }}
    />
  );
}

/** The form; on success it hands the created token (with its secret) up, to be shown once. */
function CreateTokenForm(props: {
  onCreated: (token: CreatedApiToken) => void;
  /** Admins only: whom the token may be for. Without it, the token is the signed-in user's. */
  owners?: { list: readonly Owner[]; loading: boolean; error: string | null };
}) {
  const { onCreated, owners } = props;
  const { user } = useSession();
  const create = useCreateApiToken();
  const form = useForm({
    initialValues: { name: "", userId: user.id, scopes: ["read"] as string[], expiresOn: "" },
    validate: {
      name: (value) => (value.trim() === "" ? "Name is required" : null),
      userId: (value) => (value ? null : "Choose whom the token acts as"),
      scopes: (value) => (value.length === 0 ? "Choose at least one scope" : null),
    },
  });
  const ownerOf = (id: string): Owner | undefined =>
    id === user.id ? user : owners?.list.find((candidate) => candidate.id === id);
  // The scopes follow the owner's role, as the server's rule does (it stays the judge).
  const owner = ownerOf(form.values.userId);
  const allowed = scopesAllowedFor(owner?.role ?? user.role);
  const ownerOptions = [
    { value: user.id, label: `${user.name} (you)` },
    ...(owners?.list ?? [])
      .filter((candidate) => candidate.id !== user.id)
      .map((candidate) => ({
        value: candidate.id,
        label: candidate.role === "admin" ? `${candidate.name} (admin: creates their own)` : candidate.name,
        disabled: candidate.role === "admin",
      })),
  ];
  const submit = form.onSubmit(async (values) => {
    try {
      const created = await create.mutateAsync({
        name: values.name.trim(),
        scopes: values.scopes as TokenScope[],
        // The end of the chosen day, in the browser's time zone.
        expiresAt: values.expiresOn ? new Date(`${values.expiresOn}T23:59:59`).toISOString() : null,
        ...(values.userId !== user.id ? { userId: values.userId } : {}),
      });
      form.reset();
      onCreated(created);
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = error.fieldErrors();
        form.setErrors({ ...fields, ...(fields.expiresAt ? { expiresOn: fields.expiresAt } : {}) });
      }
    }
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Name"
          description="What uses it, e.g. “Billing sync”"
          required
          {...form.getInputProps("name")}
        />
        {owners && (
          <Select
            label="Owner"
            description="The token acts as this staff member, with their role's permissions"
            data={ownerOptions}
            allowDeselect={false}
            searchable
            required
            nothingFoundMessage="No active staff member by that name"
            {...form.getInputProps("userId")}
            error={form.errors.userId ?? owners.error ?? undefined}
            placeholder={owners.loading ? "Loading staff…" : undefined}
            onChange={(value) => {
              if (!value) return;
              form.setFieldValue("userId", value);
              form.clearFieldError("userId");
              // Drop the scopes the new owner's role does not allow.
              const permitted = scopesAllowedFor(ownerOf(value)?.role ?? user.role) as readonly string[];
              const kept = form.getValues().scopes.filter((scope) => permitted.includes(scope));
              form.setFieldValue("scopes", kept.length > 0 ? kept : ["read"]);
            }}
          />
        )}
        <Checkbox.Group
          label="Scopes"
          description={
            owner && owner.id !== user.id && !allowed.includes("admin")
              ? `Their role (${owner.role}) allows ${allowed.join(" and ")}`
              : undefined
          }
          required
          {...form.getInputProps("scopes")}
        >
          <Stack gap={6} mt={6}>
            {TOKEN_SCOPES.filter((scope) => allowed.includes(scope)).map((scope) => (
              <Checkbox key={scope} value={scope} label={SCOPE_HELP[scope]} />
            ))}
          </Stack>
        </Checkbox.Group>
        <TextInput
          type="date"
          label="Expires on"
          description="Leave empty for a token that lasts until revoked"
          {...form.getInputProps("expiresOn")}
        />
        {create.error && !(create.error instanceof ApiError && create.error.problem.errors) && (
          <Alert color="red" role="alert">
            {errorMessage(create.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The secret, shown once right after creation. */
function CreatedTokenNotice({ token, onClose }: { token: CreatedApiToken; onClose: () => void }) {
  return (
    <Stack>
      <Alert color="orange" title="Copy the token now">
        This is the only time Uplink shows it: only a hash is kept. Store it where your integration keeps secrets; if it
        is lost, revoke it and create another.
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code style={{ wordBreak: "break-all" }} aria-label="New API token">
          {token.token}
        </Code>
        <CopyValue value={token.token} label="the API token" />
      </Group>
      <Text size="sm">
        Send it as <Code>Authorization: Bearer {token.token.slice(0, 8)}…</Code> (see “Using the API” in the docs).
      </Text>
      <Group justify="flex-end">
        <Button onClick={onClose}>I have copied it</Button>
      </Group>
    </Stack>
  );
}

function tokenState(token: ApiToken, now: number): { label: string; color: string } {
  if (token.revokedAt) return { label: "Revoked", color: "gray" };
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return { label: "Expired", color: "gray" };
  return { label: "Active", color: "green" };
}

function ScopeBadges({ token }: { token: ApiToken }) {
  return (
    <Group gap={4}>
      {token.scopes.map((scope) => (
        <Badge key={scope} variant="light" size="sm">
          {scope}
        </Badge>
      ))}
    </Group>
  );
}

function StateBadge({ token, now }: { token: ApiToken; now: number }) {
  const state = tokenState(token, now);
  return (
    <Badge color={state.color} variant="light">
      {state.label}
    </Badge>
  );
}

function LastUsed({ token }: { token: ApiToken }) {
  if (!token.lastUsedAt) return "Never";
  return (
    <Stack gap={0}>
      <DateTime value={token.lastUsedAt} />
      <Text size="xs" c="dimmed">
        {token.lastUsedIp}
      </Text>
    </Stack>
  );
}

function RevokeButton({ token, now, onRevoke }: { token: ApiToken; now: number; onRevoke: (token: ApiToken) => void }) {
  if (tokenState(token, now).label !== "Active") return null;
  return (
    <Button size="xs" variant="subtle" color="red" onClick={() => onRevoke(token)}>
      Revoke<VisuallyHidden> {token.name}</VisuallyHidden>
    </Button>
  );
}

/**
 * Phone layout: one card per token with everything the table shows, stacked, since seven columns
 * cannot fit 390 px without the page scrolling sideways.
 */
function TokenCard(props: { token: ApiToken; now: number; showOwner: boolean; onRevoke: (token: ApiToken) => void }) {
  const { token, now } = props;
  return (
    <Card withBorder padding="sm" role="group" aria-label={`API token ${token.name}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
          <Text fw={600} style={{ overflowWrap: "anywhere" }}>
            {token.name}
          </Text>
          <StateBadge token={token} now={now} />
        </Group>
        {props.showOwner && (
          <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
            Acts as {token.user.name}
          </Text>
        )}
        <ScopeBadges token={token} />
        <Text size="sm">Expires: {token.expiresAt ? <DateTime value={token.expiresAt} /> : "Never"}</Text>
        <Group gap={4} align="flex-start" wrap="nowrap">
          <Text size="sm">Last used:</Text>
          <Text size="sm" component="div">
            <LastUsed token={token} />
          </Text>
        </Group>
        <Group justify="flex-end">
          <RevokeButton token={token} now={now} onRevoke={props.onRevoke} />
        </Group>
      </Stack>
    </Card>
  );
}

/** Settings → API tokens: list, create (shown once), revoke. */
export default function TokensSettings() {
  const { user } = useSession();
  const tokens = useApiTokens();
  const revoke = useRevokeApiToken();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const isPhone = useMediaQuery("(max-width: 48em)");
  const now = Date.now();

  const confirmRevoke = (token: ApiToken) =>
    modals.openConfirmModal({
      title: `Revoke “${token.name}”?`,
      children: <Text size="sm">Anything using this token stops working at once. This cannot be undone.</Text>,
      labels: { confirm: "Revoke", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        revoke.mutate(token.id, {
          onSuccess: () => notifications.show({ color: "green", message: `Token “${token.name}” revoked` }),
          onError: (error) => notifications.show({ color: "red", message: errorMessage(error) }),
        }),
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={640}>
          API tokens let other systems (billing, monitoring, provisioning) use Uplink's API as you, without a password.
          A token can never do more than your account.
          {user.role === "admin" && " As an admin you can also create one for a technician or agent: it acts as them."}
        </Text>
        <Button onClick={() => setCreating(true)}>New token</Button>
      </Group>
      {tokens.isPending ? (
        <Loader aria-label="Loading API tokens" />
      ) : tokens.isError ? (
        <Alert color="red">{errorMessage(tokens.error)}</Alert>
      ) : isPhone ? (
        <Stack gap="sm">
          {tokens.data.length === 0 && <Text size="sm">No API tokens yet</Text>}
          {tokens.data.map((token) => (
            <TokenCard
              key={token.id}
              token={token}
              now={now}
              showOwner={user.role === "admin"}
              onRevoke={confirmRevoke}
            />
          ))}
        </Stack>
      ) : (
        <DataTable
          withTableBorder
          records={tokens.data}
          noRecordsText="No API tokens yet"
          columns={[
            { accessor: "name", title: "Name" },
            ...(user.role === "admin" ? [{ accessor: "user.name", title: "Acts as" }] : []),
            { accessor: "scopes", title: "Scopes", render: (token: ApiToken) => <ScopeBadges token={token} /> },
            { accessor: "state", title: "State", render: (token: ApiToken) => <StateBadge token={token} now={now} /> },
            {
              accessor: "expiresAt",
              title: "Expires",
              render: (token: ApiToken) => (token.expiresAt ? <DateTime value={token.expiresAt} /> : "Never"),
            },
            { accessor: "lastUsedAt", title: "Last used", render: (token: ApiToken) => <LastUsed token={token} /> },
            {
              accessor: "actions",
              title: "",
              textAlign: "right",
              render: (token: ApiToken) => <RevokeButton token={token} now={now} onRevoke={confirmRevoke} />,
            },
          ]}
        />
      )}
      <Modal
        opened={creating || created !== null}
        onClose={() => {
          setCreating(false);
          setCreated(null);
        }}
        title={
          created === null
            ? "New API token"
            : created.user.id === user.id
              ? "Your new API token"
              : `New API token for ${created.user.name}`
        }
        closeOnClickOutside={created === null}
      >
        {created ? (
          <CreatedTokenNotice
            token={created}
            onClose={() => {
              setCreated(null);
              setCreating(false);
            }}
          />
        ) : user.role === "admin" ? (
          <AdminCreateTokenForm onCreated={setCreated} />
        ) : (
          <CreateTokenForm onCreated={setCreated} />
        )}
      </Modal>
    </Stack>
  );
}
