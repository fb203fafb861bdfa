import { Text } from "@mantine/core";
import { countSegments } from "../../shared/sms-segments.js";

/** "95 characters · 1 SMS (GSM-7)": what a text costs, so staff can keep it to one part. */
export function SegmentCount({ text }: { text: string }) {
  const info = countSegments(text);
  const parts = info.segments === 1 ? "1 SMS" : `${info.segments} SMS parts`;
  return (
    <Text size="xs" c={info.segments > 1 ? "orange" : "dimmed"} aria-live="polite">
      {info.characters} characters · {parts} ({info.encoding}
      {info.encoding === "UCS-2" ? ": a character outside the GSM alphabet halves the room per part" : ""})
    </Text>
  );
}
