import { Button, Tooltip } from "@mantine/core";

/**
 * A list row's Delete for something customers may use (a service plan, a network site): while in
 * use it is disabled and says by how many ("In use by 12 customers"), as the server would refuse
 * it anyway; otherwise it asks `onDelete` (which confirms first).
 */
export function InUseDeleteButton({
  name,
  customerCount,
  insteadHint,
  onDelete,
}: {
  name: string;
  customerCount: number;
  /** What to do instead, e.g. "deactivate it, or move those customers to another plan first". */
  insteadHint: string;
  onDelete: () => void;
}) {
  if (customerCount === 0) {
    return (
      <Button size="xs" variant="subtle" color="red" onClick={onDelete} aria-label={`Delete ${name}`}>
        Delete
      </Button>
    );
  }
  const inUse = `In use by ${customerCount} ${customerCount === 1 ? "customer" : "customers"}`;
  return (
    <Tooltip label={`${inUse}: ${insteadHint}`} events={{ hover: true, focus: true, touch: true }} multiline w={260}>
      {/* data-disabled instead of disabled: a disabled button gets no pointer events, so no tooltip. */}
      <Button
        size="xs"
        variant="subtle"
        color="red"
        data-disabled
        aria-disabled="true"
        aria-label={`Delete ${name} (${inUse.toLowerCase()})`}
        onClick={(event) => event.preventDefault()}
      >
        Delete
      </Button>
    </Tooltip>
  );
}
