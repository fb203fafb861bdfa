import { Button, type ButtonProps, VisuallyHidden } from "@mantine/core";
import { type ChangeEvent, type ReactNode, useId, useState } from "react";

/**
 * A file input behind a button-like label: on a phone `capture` opens the camera, without it the
 * picker offers photos and files; on a desktop both open the file picker. The input stays in the
 * page (visually hidden), so it is reached by its label and by the keyboard; the label shows the
 * focus ring the hidden input cannot.
 */
export function FileInputButton({
  label,
  icon,
  accept,
  capture,
  multiple = false,
  size,
  disabled,
  onFiles,
}: {
  label: string;
  icon: ReactNode;
  accept: string;
  capture?: "environment";
  multiple?: boolean;
  size?: ButtonProps["size"];
  disabled: boolean;
  onFiles: (files: File[]) => void;
}) {
  const id = useId();
  const [focused, setFocused] = useState(false);
  const change = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.currentTarget.files ?? [])];
    // Cleared, so choosing the same file again (after an error) is a change too.
    event.currentTarget.value = "";
    if (files.length > 0) onFiles(files);
  };
  return (
    <>
      <VisuallyHidden>
        <input
          id={id}
          type="file"
          accept={accept}
          capture={capture}
          multiple={multiple}
          disabled={disabled}
          onChange={change}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        />
      </VisuallyHidden>
      <Button
        component="label"
        htmlFor={id}
        variant="light"
        size={size}
        leftSection={icon}
        data-disabled={disabled || undefined}
        style={{
          cursor: disabled ? "not-allowed" : "pointer",
          outline: focused ? "2px solid var(--mantine-primary-color-filled)" : undefined,
          outlineOffset: 2,
        }}
      >
        {label}
      </Button>
    </>
  );
}
