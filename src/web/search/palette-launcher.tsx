import { ActionIcon, Text, UnstyledButton } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { lazy, Suspense, useEffect, useState } from "react";

// The palette (its modal, searches and result list) loads on first use; the shortcut is always on.
const CommandPalette = lazy(() => import("./command-palette.js"));

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
export const PALETTE_SHORTCUT = isMac ? "⌘K" : "Ctrl+K";

/** Whether a key typed now goes into something editable (then `/` is a slash, not a shortcut). */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The header's search button and the palette's shortcuts, anywhere in the signed-in app:
 * Ctrl+K (⌘K on a Mac) even while typing in a field, `/` when not typing.
 */
export function PaletteLauncher() {
  const [opened, setOpened] = useState(false);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const modK = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
      const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
      if (!modK && !slash) return;
      event.preventDefault();
      setLoaded(true);
      setOpened(true);
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);

  const show = () => {
    setLoaded(true);
    setOpened(true);
  };
  return (
    <>
      <UnstyledButton
        visibleFrom="sm"
        onClick={show}
        aria-keyshortcuts="Control+K Meta+K /"
        px="sm"
        py={6}
        style={{
          border: "1px solid var(--mantine-color-default-border)",
          borderRadius: "var(--mantine-radius-sm)",
          display: "flex",
          alignItems: "center",
          gap: 8,
          fontSize: "var(--mantine-font-size-sm)",
        }}
      >
        <IconSearch size={16} aria-hidden="true" />
        Search
        {/* Kbd has no stylesheet in the first screen's CSS; a dimmed <kbd> says the same. */}
        <Text component="kbd" size="xs" c="dimmed" ff="monospace">
          {PALETTE_SHORTCUT}
        </Text>
      </UnstyledButton>
      <ActionIcon
        hiddenFrom="sm"
        variant="default"
        size="lg"
        onClick={show}
        // Named apart from the pages' own search fields ("Search customers"), listed beside it by screen readers.
        aria-label="Find anything"
        title={`Find anything (${PALETTE_SHORTCUT})`}
        aria-keyshortcuts="Control+K Meta+K /"
      >
        <IconSearch size={18} />
      </ActionIcon>
      {loaded && (
        <Suspense fallback={null}>
          <CommandPalette opened={opened} onClose={() => setOpened(false)} />
        </Suspense>
      )}
    </>
  );
}
