import { Combobox, Group, Text, Textarea, type TextareaProps, useCombobox } from "@mantine/core";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { Mentionable } from "../../shared/notifications.js";
import { useMentionable } from "./api.js";

/** The "@…" being typed just before the caret: where it starts and what follows the @. */
interface Typing {
  start: number;
  typed: string;
}

/**
 * An @ that starts a word (not the one in an email address), then up to 40 characters on the
 * same line: enough for a first and last name, as the server's findMentions reads them.
 */
const TYPING_MENTION = /(^|[^\p{L}\p{N}_.+-])@([^@\n]{0,40})$/u;

function typingAt(value: string, caret: number): Typing | null {
  const match = TYPING_MENTION.exec(value.slice(0, caret));
  if (!match) return null;
  const typed = match[2] ?? "";
  // Two words and a space or more after them: a sentence, not a name any more.
  if (/\s\s/.test(typed) || typed.split(/\s+/).length > 3) return null;
  return { start: caret - typed.length - 1, typed };
}

type MentionTextareaProps = Omit<TextareaProps, "value" | "onChange"> & {
  value: string;
  onChange: (value: string) => void;
  /** Off: a plain textarea (public replies mention nobody). */
  mentions: boolean;
};

/**
 * A textarea that offers staff after an @ (internal notes, docs/notifications.md): the list
 * follows what is typed, ↑/↓ move through it, Enter or Tab (or a click) puts in "@Full Name ",
 * Escape closes it; otherwise the keys do what they do in any textarea.
 */
export function MentionTextarea({ value, onChange, mentions, onKeyDown, onBlur, ...props }: MentionTextareaProps) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [typing, setTyping] = useState<Typing | null>(null);
  const [dismissed, setDismissed] = useState(false);
  const [activeId, setActiveId] = useState<string | null>(null);
  const staff = useMentionable(mentions && typing ? typing.typed.trim() : null);
  const options: Mentionable[] = mentions && typing ? (staff.data ?? []) : [];
  const opened = options.length > 0 && !dismissed;
  const combobox = useCombobox({ opened });

  // A new list: its first entry is the one Enter takes.
  const optionIds = options.map((option) => option.id).join();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the store is a new object each render; only a new list may move the choice back to the first.
  useEffect(() => {
    if (opened && optionIds) setActiveId(combobox.selectFirstOption());
    else setActiveId(null);
  }, [opened, optionIds]);

  // Where the last mention was put in: the @ there is done with, not offered again.
  const insertedAt = useRef<number | null>(null);
  const follow = (text: string, caret: number | null) => {
    let next = caret === null ? null : typingAt(text, caret);
    if (next && next.start === insertedAt.current) next = null;
    else insertedAt.current = null;
    if (next?.start !== typing?.start) setDismissed(false);
    setTyping(next);
  };

  const insert = (id: string) => {
    const person = options.find((option) => option.id === id);
    if (!person || !typing) return;
    const caret = typing.start + 1 + typing.typed.length;
    const before = value.slice(0, typing.start);
    const after = value.slice(caret).replace(/^ /, "");
    const mention = `@${person.name} `;
    onChange(before + mention + after);
    insertedAt.current = typing.start;
    setTyping(null);
    const at = before.length + mention.length;
    requestAnimationFrame(() => {
      textarea.current?.focus();
      textarea.current?.setSelectionRange(at, at);
    });
  };

  const onKeys = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (opened) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        setActiveId(combobox.selectNextOption());
        return;
      }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        setActiveId(combobox.selectPreviousOption());
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && combobox.getSelectedOptionIndex() !== -1) {
        event.preventDefault();
        combobox.clickSelectedOption();
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setDismissed(true);
        return;
      }
    }
    onKeyDown?.(event);
  };

  return (
    <Combobox
      store={combobox}
      onOptionSubmit={insert}
      withinPortal={false}
      position="bottom-start"
      transitionProps={{ duration: 0 }}
    >
      <Combobox.Target withAriaAttributes={false} withKeyboardNavigation={false}>
        <Textarea
          {...props}
          ref={textarea}
          value={value}
          onChange={(event) => {
            onChange(event.currentTarget.value);
            follow(event.currentTarget.value, event.currentTarget.selectionStart);
          }}
          onSelect={(event) => follow(event.currentTarget.value, event.currentTarget.selectionStart)}
          onKeyDown={onKeys}
          onBlur={(event) => {
            setDismissed(true);
            onBlur?.(event);
          }}
          onFocus={(event) => {
            setDismissed(false);
            props.onFocus?.(event);
          }}
          aria-autocomplete={mentions ? "list" : undefined}
          aria-haspopup={mentions ? "listbox" : undefined}
          aria-controls={opened ? (combobox.listId ?? undefined) : undefined}
          aria-activedescendant={opened ? (activeId ?? undefined) : undefined}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={!opened}>
        <Combobox.Options aria-label="Staff to mention">
          {options.map((person) => (
            <Combobox.Option value={person.id} key={person.id}>
              <Group gap={6} wrap="nowrap">
                <Text size="sm">{person.name}</Text>
                <Text size="xs" c="dimmed">
                  @{person.handle}
                </Text>
              </Group>
            </Combobox.Option>
          ))}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
