import { Title, type TitleProps } from "@mantine/core";
import { type MouseEvent, type RefObject, useEffect, useRef, useState } from "react";
import { useLocation } from "react-router";

const APP_NAME = "Uplink";

/** The id of the shell's <main>: the skip link's target. */
export const MAIN_ID = "main";

/**
 * Names the browser tab (what a screen reader reads for the window, history and bookmarks) after
 * the page: "T-012000 Cannot connect · Uplink". `undefined` (a record still loading) leaves the
 * title alone, so that a not-found page shown inside the record's page keeps its own.
 */
export function usePageTitle(title: string | undefined) {
  useEffect(() => {
    if (title) document.title = `${title} · ${APP_NAME}`;
  }, [title]);
}

/**
 * The page's one h1. It looks like the h2 the pages had (the size of a section heading next to
 * the app's name in the header) and takes focus after in-app navigation (tabIndex -1: focusable
 * by script, not a stop for Tab).
 */
export function PageHeading(props: TitleProps) {
  return <Title order={1} size="h2" tabIndex={-1} {...props} />;
}

/** The settings tabs live in the path, yet switching tabs stays on one page (focus stays on the tab). */
const pageOf = (pathname: string) => (pathname.startsWith("/settings") ? "/settings" : pathname);

const isFormField = (element: Element | null) =>
  element instanceof HTMLInputElement ||
  element instanceof HTMLTextAreaElement ||
  element instanceof HTMLSelectElement ||
  (element instanceof HTMLElement && element.isContentEditable);

/**
 * After in-app navigation, moves focus to the new page's h1 inside `main`, as a full page load
 * would start a screen reader at the top: otherwise focus stays on the link just used (or falls to
 * the body when that link went away) and the new page goes unannounced. The heading may come only
 * once the page's code and data have loaded, so it waits for it (10 s at most). A page that puts
 * focus in a field itself (the customer search) keeps it there; so does someone who already moved on
 * or into a dialog.
 * The first page of a visit is left alone.
 */
export function useFocusHeadingOnNavigation(main: RefObject<HTMLElement | null>) {
  const { pathname } = useLocation();
  const shown = useRef(pageOf(pathname));
  useEffect(() => {
    const page = pageOf(pathname);
    if (shown.current === page) return;
    shown.current = page;
    const container = main.current;
    if (!container) return;
    const focusedAtNavigation = document.activeElement;
    const tryFocus = () => {
      const active = document.activeElement;
      // Someone already moved on, or the page put focus in one of its fields: leave it there.
      const movedOn = active !== focusedAtNavigation && active !== document.body && active !== null;
      // A dialog opened over the loading page (the command palette) keeps focus: taking it would
      // drop what is typed there next.
      const inDialog = active instanceof Element && active.closest('[role="dialog"]') !== null;
      if (movedOn || inDialog || (isFormField(active) && container.contains(active))) return true;
      const heading = container.querySelector("h1");
      if (!heading) return false;
      if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
      heading.focus();
      return true;
    };
    if (tryFocus()) return;
    const observer = new MutationObserver(() => {
      if (tryFocus()) observer.disconnect();
    });
    observer.observe(container, { childList: true, subtree: true });
    const timeout = window.setTimeout(() => observer.disconnect(), 10_000);
    return () => {
      observer.disconnect();
      window.clearTimeout(timeout);
    };
  }, [pathname, main]);
}

/**
 * "Skip to content": the shell's first focusable element, shown only while focused, which jumps
 * past the header and the navigation to the page itself.
 */
export function SkipLink() {
  const [focused, setFocused] = useState(false);
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    // Focus, not a #main fragment in the address (which the router would take for a navigation).
    event.preventDefault();
    const main = document.getElementById(MAIN_ID);
    main?.focus();
    main?.scrollIntoView();
  };
  return (
    <a
      href={`#${MAIN_ID}`}
      onClick={skip}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
      style={
        focused
          ? {
              position: "fixed",
              top: 8,
              left: 8,
              zIndex: 1000,
              padding: "8px 16px",
              borderRadius: 4,
              background: "var(--mantine-color-body)",
              color: "var(--mantine-color-anchor)",
              border: "2px solid var(--mantine-primary-color-filled)",
              fontWeight: 600,
            }
          : {
              position: "absolute",
              width: 1,
              height: 1,
              overflow: "hidden",
              clipPath: "inset(50%)",
              whiteSpace: "nowrap",
            }
      }
    >
      Skip to content
    </a>
  );
}
