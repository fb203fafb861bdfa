import { Skeleton } from "@mantine/core";
import { useIntersection } from "@mantine/hooks";
import { type ReactNode, useState } from "react";

/**
 * Draws its children once they come within 200 px of the screen, and keeps them
 * drawn; until then a skeleton of their height holds the place (nothing moves when they arrive).
 * For heavy parts below a phone's first screen (the dashboard's charts: their code is 100 KB and
 * drawing them held the phone for a quarter of a second): not downloaded, not drawn, until
 * someone scrolls towards them. On a large screen, where they are in view, they draw at once.
 */
export function WhenNearScreen({ height, children }: { height: number; children: ReactNode }) {
  const { ref, entry } = useIntersection<HTMLDivElement>({ rootMargin: "200px 0px" });
  const [near, setNear] = useState(false);
  if (entry?.isIntersecting && !near) setNear(true);
  return near ? children : <Skeleton ref={ref} h={height} />;
}
