import { Tooltip, type TooltipProps } from "@mantine/core";
import { useMergedRef } from "@mantine/hooks";
import {
  cloneElement,
  type FocusEvent,
  type MouseEvent,
  type ReactElement,
  type Ref,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";

type HintTarget = ReactElement<{
  ref?: Ref<HTMLElement>;
  onMouseEnter?: (event: MouseEvent<HTMLElement>) => void;
  onMouseLeave?: (event: MouseEvent<HTMLElement>) => void;
  onFocus?: (event: FocusEvent<HTMLElement>) => void;
  onBlur?: (event: FocusEvent<HTMLElement>) => void;
  "aria-describedby"?: string;
}>;

/** The element's own handler, then the hint's. */
function after<E>(theirs: ((event: E) => void) | undefined, ours: () => void) {
  return (event: E) => {
    theirs?.(event);
    ours();
  };
}

export interface HintProps
  extends Pick<TooltipProps, "withArrow" | "position" | "multiline" | "w" | "maw" | "disabled"> {
  label: string;
  /** One element that takes a ref (a badge, a `<time>`, a span around a disabled button). */
  children: HintTarget;
  /** Milliseconds of hover or focus before the hint shows. */
  openDelay?: number;
}

/**
 * A tooltip for what a list repeats on every row (a date's "3 hr. ago", an overdue badge's due
 * moment). Mantine's Tooltip costs every instance, while closed, a portal and a floating position
 * that each set state as the row mounts; React draws those updates at once, in the task that shows
 * the rows (50 rows with two tooltips each: the queue's longest task on a phone). A hint draws
 * nothing but its element until the pointer (or focus, on an element that takes it) first reaches
 * it; from then on it is Mantine's Tooltip aimed at that element, shown while the pointer or focus
 * stays and hidden by Escape. A tap on a phone shows it too (the browser's emulated hover), until
 * the next tap elsewhere. The element keeps its place in the tree throughout, so it is never
 * re-created under the pointer.
 */
export function Hint({ label, children, openDelay = 0, disabled, ...tooltipProps }: HintProps) {
  const own = children.props;
  const element = useRef<HTMLElement | null>(null);
  const ref = useMergedRef(element, own.ref);
  const [drawn, setDrawn] = useState(false);
  const [opened, setOpened] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const labelId = useId();
  const shown = opened && !disabled;

  // Hidden, or stopped while it waits out its delay. (Only refs and state setters: the same each render.)
  const hide = useCallback(() => {
    window.clearTimeout(timer.current);
    setOpened(false);
  }, []);
  const show = () => {
    setDrawn(true);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setOpened(true), openDelay);
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  // Disabled meanwhile (the SMS log's retry once it can send): nothing stays shown or on its way.
  useEffect(() => {
    if (disabled) hide();
  }, [disabled, hide]);
  // Escape hides it, or stops it from showing, wherever focus is (WCAG 1.4.13: dismissible). Listened
  // for from the first hover on (the hover that starts the delay draws it), never by untouched rows.
  useEffect(() => {
    if (!drawn) return;
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") hide();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [drawn, hide]);

  const describedBy = [own["aria-describedby"], shown ? labelId : undefined].filter(Boolean).join(" ");
  return (
    <>
      {drawn && !disabled && (
        <Tooltip {...tooltipProps} target={element} opened={shown} label={<span id={labelId}>{label}</span>} />
      )}
      {/* A disabled hint keeps the same tree, so the element is not re-created when that changes. */}
      {disabled
        ? children
        : cloneElement(children, {
            ref,
            onMouseEnter: after(own.onMouseEnter, show),
            onMouseLeave: after(own.onMouseLeave, hide),
            onFocus: after(own.onFocus, show),
            onBlur: after(own.onBlur, hide),
            "aria-describedby": describedBy || undefined,
          })}
    </>
  );
}
