import { Box, Group, Loader, Modal, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconBuildingBroadcastTower, IconSearch, IconTicket, IconUser, IconUserCircle } from "@tabler/icons-react";
import { type FocusEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { CUSTOMER_STATUS_LABELS, SITE_KIND_LABELS, STATUS_LABELS, USER_ROLE_LABELS } from "../../shared/labels.js";
import { useSession } from "../app/auth.js";
import { formatPhone } from "../app/phone.js";
import { type PaletteSearch, usePaletteSearch } from "./api.js";
import { type RecentItem, readRecent, rememberRecent } from "./recent.js";

/** Long enough to skip the keystrokes of a word being typed, short enough to feel immediate. */
const DEBOUNCE_MS = 200;

const ICONS: Record<RecentItem["kind"], typeof IconUser> = {
  customer: IconUser,
  ticket: IconTicket,
  site: IconBuildingBroadcastTower,
  staff: IconUserCircle,
};

interface OptionGroup {
  label: string;
  options: RecentItem[];
}

const joined = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(" · ");

/** The search results as the palette lists them: one group per kind, each option with its page. */
function groupsOf(results: PaletteSearch): OptionGroup[] {
  const groups: OptionGroup[] = [
    {
      label: "Customers",
      options: results.customers.map((customer) => ({
        kind: "customer",
        id: customer.id,
        label: customer.name,
        description: joined(
          customer.accountNumber,
          customer.phone ? formatPhone(customer.phone).display : null,
          joined(customer.street, customer.city),
          customer.status === "active" ? null : CUSTOMER_STATUS_LABELS[customer.status],
        ),
        href: `/customers/${customer.id}`,
      })),
    },
    {
      label: "Tickets",
      options: results.tickets.map((ticket) => ({
        kind: "ticket",
        id: ticket.id,
        label: `${ticket.number} ${ticket.subject}`,
        description: joined(ticket.customer?.name ?? "No customer", STATUS_LABELS[ticket.status]),
        href: `/tickets/${ticket.id}`,
      })),
    },
    {
      label: "Sites",
      options: results.sites.map((site) => ({
        kind: "site",
        id: site.id,
        label: site.name,
        description: joined(SITE_KIND_LABELS[site.kind], site.address, `${site.customerCount} customers`),
        href: `/customers?site=${site.id}`,
      })),
    },
    {
      label: "Staff",
      options: results.staff.map((user) => ({
        kind: "staff",
        id: user.id,
        label: user.name,
        description: joined(USER_ROLE_LABELS[user.role], user.email, user.active ? null : "Deactivated"),
        href: `/tickets?view=open&assigneeId=${user.id}`,
      })),
    },
  ];
  return groups.filter((group) => group.options.length > 0);
}

/**
 * Find anything: customers (every form the customer search reads), tickets (number, subject, the
 * customer's name, phone or account), sites and, for admins, staff. A combobox over one listbox:
 * the text field keeps the focus, the arrows move the active option (aria-activedescendant),
 * Enter opens it, Escape closes. With no text it lists what was opened last.
 */
export default function CommandPalette({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { user } = useSession();
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text.trim(), DEBOUNCE_MS);
  const [active, setActive] = useState(0);
  const [recent, setRecent] = useState<RecentItem[]>(() => readRecent(user.id));
  const results = usePaletteSearch(debounced, { staff: user.role === "admin" });
  const baseId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  // A page that finished loading behind the palette may move the focus to its heading (focus after
  // navigation); while the palette is open the keys belong to its field, so the focus comes back.
  const keepFocus = (event: FocusEvent<HTMLInputElement>) => {
    const next = event.relatedTarget;
    const dialog = event.currentTarget.closest('[role="dialog"]');
    if (opened && next instanceof HTMLElement && dialog && !dialog.contains(next)) {
      requestAnimationFrame(() => inputRef.current?.focus());
    }
  };
  const listId = `${baseId}-results`;

  const groups: OptionGroup[] = debounced
    ? groupsOf(results)
    : recent.length > 0
      ? [{ label: "Recent", options: recent }]
      : [];
  const options = groups.flatMap((group) => group.options);
  const optionsKey = options.map((option) => `${option.kind}:${option.id}`).join(",");
  const optionId = (index: number) => `${baseId}-option-${index}`;

  // Other results: the first one is active again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list's identity is its keys, not the array
  useEffect(() => setActive(0), [optionsKey]);
  useEffect(() => {
    if (opened) setRecent(readRecent(user.id));
  }, [opened, user.id]);
  // Emptied on closing, not on opening: an effect after opening could wipe the first keys typed.
  const close = () => {
    setText("");
    onClose();
  };
  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
  });

  const open = (item: RecentItem | undefined) => {
    if (!item) return;
    setRecent(rememberRecent(user.id, item));
    close();
    navigate(item.href);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return;
    const count = options.length;
    if (event.key === "ArrowDown" && count > 0) {
      event.preventDefault();
      setActive((index) => (index + 1) % count);
    } else if (event.key === "ArrowUp" && count > 0) {
      event.preventDefault();
      setActive((index) => (index - 1 + count) % count);
    } else if (event.key === "Home" && count > 0 && event.ctrlKey) {
      event.preventDefault();
      setActive(0);
    } else if (event.key === "End" && count > 0 && event.ctrlKey) {
      event.preventDefault();
      setActive(count - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      open(options[active]);
    }
  };

  const settled = debounced === text.trim() && !results.searching;
  const status = !debounced
    ? recent.length > 0
      ? `${recent.length} recent items`
      : "Type a name, phone, account number, IP or MAC address, street, ticket number or subject."
    : !settled && options.length === 0
      ? "Searching…"
      : options.length === 0
        ? `Nothing matches “${debounced}”.`
        : `${options.length} ${options.length === 1 ? "match" : "matches"}`;

  let index = -1;
  return (
    // No transition: it shows the moment the shortcut is pressed, and each opening has a fresh
    // field (a field kept through a closing animation would count as focus nobody moved, and the
    // page opened just before may then take the focus to its heading once it has loaded).
    <Modal
      opened={opened}
      onClose={close}
      title="Find anything"
      size="lg"
      yOffset="8vh"
      transitionProps={{ duration: 0 }}
    >
      <TextInput
        data-autofocus
        ref={inputRef}
        onBlur={keepFocus}
        label="Search customers, tickets, sites and staff"
        placeholder="Name, phone, account, IP, MAC, street, T-012000…"
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        onKeyDown={onKeyDown}
        leftSection={<IconSearch size={16} aria-hidden="true" />}
        rightSection={debounced && !settled ? <Loader size="xs" aria-hidden="true" /> : null}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={options.length > 0}
        aria-controls={listId}
        aria-activedescendant={options.length > 0 ? optionId(active) : undefined}
        autoComplete="off"
        spellCheck={false}
      />
      <Text size="sm" c="dimmed" mt="xs" aria-live="polite">
        {status}
        {results.failed.length > 0 && debounced ? ` (${results.failed.join(", ")} could not be searched)` : ""}
      </Text>
      <Box
        id={listId}
        role="listbox"
        aria-label={debounced ? "Matches" : "Recent items"}
        mt="xs"
        mah="60vh"
        style={{ overflowY: "auto" }}
      >
        {groups.map((group) => {
          const groupLabelId = `${baseId}-group-${group.label}`;
          return (
            <Box key={group.label} role="group" aria-labelledby={groupLabelId}>
              <Text id={groupLabelId} size="xs" fw={700} c="dimmed" tt="uppercase" mt="sm" mb={4}>
                {group.label}
              </Text>
              {group.options.map((option) => {
                index += 1;
                const position = index;
                const Icon = ICONS[option.kind];
                const selected = position === active;
                return (
                  // The keyboard acts through the combobox's text field (aria-activedescendant); the mouse here.
                  <Group
                    key={`${option.kind}-${option.id}`}
                    id={optionId(position)}
                    role="option"
                    aria-selected={selected}
                    wrap="nowrap"
                    gap="sm"
                    px="sm"
                    py={6}
                    style={{
                      cursor: "pointer",
                      borderRadius: "var(--mantine-radius-sm)",
                      background: selected ? "var(--mantine-color-default-hover)" : undefined,
                      outline: selected ? "2px solid var(--mantine-primary-color-filled)" : undefined,
                      outlineOffset: -2,
                    }}
                    onMouseMove={() => setActive(position)}
                    onMouseDown={(event) => event.preventDefault()}
                    onClick={() => open(option)}
                  >
                    <Icon size={18} aria-hidden="true" style={{ flexShrink: 0 }} />
                    <div style={{ minWidth: 0 }}>
                      <Text size="sm" fw={500}>
                        {option.label}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {option.description}
                      </Text>
                    </div>
                  </Group>
                );
              })}
            </Box>
          );
        })}
      </Box>
    </Modal>
  );
}
