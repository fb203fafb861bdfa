import { Text } from "@mantine/core";
import type { ReactNode } from "react";

/**
 * Scrolls to and focuses the first field in error, in the order the fields stand in the form: in a
 * long dialog the person would otherwise see nothing happen. Fields are found by the `data-path`
 * Mantine's `getInputProps` puts on each input.
 */
export function focusFirstError(formElement: HTMLElement | null, errors: Record<string, ReactNode>) {
  if (!formElement) return;
  const fields = Object.keys(errors).filter((field) => errors[field]);
  // After React has drawn the error messages, so the scroll lands on the field as it now is.
  requestAnimationFrame(() => {
    const nodes = fields
      .map((field) => formElement.querySelector<HTMLElement>(`[data-path="${CSS.escape(field)}"]`))
      .filter((node): node is HTMLElement => node !== null)
      .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    const first = nodes[0];
    if (!first) return;
    first.scrollIntoView({ block: "center" });
    first.focus({ preventScroll: true });
  });
}

/**
 * The line beside a form's submit button saying why nothing was saved: the fields in error, by
 * their labels, so a person who only sees the button still learns what to fix.
 */
export function ErrorSummary({
  errors,
  labels,
  message,
}: {
  errors: Record<string, ReactNode>;
  /** Field → label, in the order the fields stand in the form. */
  labels: Record<string, string>;
  /** A problem not tied to a field (a 409, a network error). */
  message?: string | null;
}) {
  const fields = Object.keys(errors).filter((field) => errors[field]);
  if (fields.length === 0 && !message) return null;
  // In the form's order, as `labels` lists the fields.
  const order = Object.keys(labels);
  const rank = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length);
  const names = [...new Set([...fields].sort((a, b) => rank(a) - rank(b)).map((field) => labels[field] ?? field))];
  return (
    <Text size="sm" c="red" role="status" style={{ flex: 1, minWidth: 0 }}>
      {fields.length > 0
        ? `Not saved: check ${names.join(", ")}.${message ? ` ${message}` : ""}`
        : `Not saved: ${message}`}
    </Text>
  );
}
