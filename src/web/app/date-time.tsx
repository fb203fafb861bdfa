import { formatDateTime, formatRelative } from "./format.js";
import { Hint } from "./hint.js";

/**
 * The one way a page shows a moment: the date and time ("Mar 9, 2026, 2:05 PM"), with how long
 * ago or until ("3 hr. ago") on hover and focus. `prefix` goes inside the element ("due …");
 * `now` is the moment "ago" counts from (the dashboard passes the server's, against a skewed clock).
 */
export function DateTime({ value, prefix, now }: { value: string | number | Date; prefix?: string; now?: number }) {
  const at = new Date(value);
  return (
    <Hint label={formatRelative(at, now)} withArrow openDelay={200}>
      <time dateTime={at.toISOString()} style={{ whiteSpace: "nowrap" }}>
        {prefix}
        {formatDateTime(at)}
      </time>
    </Hint>
  );
}
