import { Alert, Group, Paper, Radio, Stack, Text } from "@mantine/core";
import { type ReactNode, useEffect, useRef } from "react";
import type { FieldValues, MergeChoice, PendingMerge } from "./merge.js";

/** How the conflict view names a field and shows its value. */
export interface MergeFieldInfo {
  label: string;
  show?: (value: unknown) => string;
}
export type MergeFieldInfos<T extends FieldValues> = Partial<Record<keyof T & string, MergeFieldInfo>>;

const showValue = (info: MergeFieldInfo | undefined, value: unknown) => {
  if (info?.show) return info.show(value);
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
};

function FieldValue({ value }: { value: string }) {
  return (
    <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} lineClamp={6}>
      {value}
    </Text>
  );
}

/**
 * What a colleague changed while the person edited, field by field: their changes already taken,
 * the person's own kept, and for each field both changed, theirs against mine with a choice.
 * Rendered inside the form (and so inside its dialog), above the fields.
 */
export function MergeConflict<T extends FieldValues>({
  pending,
  fields,
  who = "Someone",
  changes,
  showMissing,
  onChoose,
}: {
  pending: PendingMerge<T>;
  fields: MergeFieldInfos<T>;
  /** Who made the other change, when known. */
  who?: string;
  /** The server's account of what happened, when it gives one. */
  changes?: ReactNode;
  /** Mark undecided collisions as errors (after a save was tried). */
  showMissing?: boolean;
  onChoose: (field: keyof T & string, choice: MergeChoice) => void;
}) {
  const { merge, theirs, mine, choices } = pending;
  const label = (key: keyof T & string) => fields[key]?.label ?? key;
  const ref = useRef<HTMLDivElement>(null);
  // Seen where the person is: a Save at the bottom of a long dialog must not hide it above.
  useEffect(() => {
    if (merge) ref.current?.scrollIntoView({ block: "start" });
  }, [merge]);
  return (
    <Alert
      ref={ref}
      color="orange"
      title={`${who} changed this while you were editing`}
      role="alert"
      // Clear of a dialog's sticky title bar.
      style={{ scrollMarginTop: 72 }}
    >
      <Stack gap="xs">
        {changes}
        {merge.theirsOnly.length > 0 && (
          <Text size="sm">
            Their change to {merge.theirsOnly.map(label).join(", ")} is now in the form and will be kept.
          </Text>
        )}
        {merge.mineOnly.length > 0 && (
          <Text size="sm">Your change to {merge.mineOnly.map(label).join(", ")} is kept.</Text>
        )}
        {merge.collisions.length > 0 ? (
          <Text size="sm" fw={600}>
            You both changed {merge.collisions.map(label).join(", ")}: choose which to keep, then save.
          </Text>
        ) : (
          <Text size="sm">Nothing collides: save to store both changes.</Text>
        )}
        {merge.collisions.map((key) => (
          <Paper key={key} withBorder p="xs" aria-label={`${label(key)}: theirs or mine`}>
            <Radio.Group
              label={label(key)}
              value={choices[key] ?? null}
              onChange={(value) => onChoose(key, value as MergeChoice)}
              error={showMissing && !choices[key] ? `Choose which ${label(key)} to keep` : undefined}
            >
              <Stack gap="xs" mt={4}>
                <Group align="flex-start" wrap="nowrap" gap="xs">
                  <Radio value="theirs" label="Keep theirs" style={{ flexShrink: 0 }} w={110} />
                  <FieldValue value={showValue(fields[key], theirs[key])} />
                </Group>
                <Group align="flex-start" wrap="nowrap" gap="xs">
                  <Radio value="mine" label="Use mine" style={{ flexShrink: 0 }} w={110} />
                  <FieldValue value={showValue(fields[key], mine[key])} />
                </Group>
              </Stack>
            </Radio.Group>
          </Paper>
        ))}
      </Stack>
    </Alert>
  );
}
