import "leaflet/dist/leaflet.css";
import { Group, Text } from "@mantine/core";
import L from "leaflet";
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";
import type { IncidentMap } from "../../shared/incidents.js";

const SITE_COLOR = "#1c3d7a";
const OPEN_TICKET_COLOR = "#c92a2a";
const CUSTOMER_COLOR = "#1971c2";

/** A tooltip's content as text: names come from staff and customers, never as HTML. */
function textTooltip(text: string): HTMLElement {
  const element = document.createElement("span");
  element.textContent = text;
  return element;
}

/**
 * The incident's sites and located customers on a Leaflet map (this module, Leaflet and its styles
 * load only with the incident page's map). Markers are vector circles, so they draw with or
 * without a tile server (MAP_TILE_URL=none: a blank background) and without image files.
 */
export default function IncidentMapView({ data, height = 320 }: { data: IncidentMap; height?: number }) {
  const container = useRef<HTMLElement>(null);
  const navigate = useNavigate();

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    // Page scrolling on a phone must not zoom the map: two fingers or the buttons do.
    const map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    if (data.tiles) {
      const credit = document.createElement("span");
      credit.textContent = data.tiles.attribution;
      L.tileLayer(data.tiles.urlTemplate, {
        attribution: credit.innerHTML,
        maxZoom: 19,
        // The page itself sends no referrer; tile servers such as OpenStreetMap's ask for the origin.
        referrerPolicy: "strict-origin-when-cross-origin",
      }).addTo(map);
    }
    const points: L.LatLngExpression[] = [];
    // Sites first, as rings, so the customers around them show through and stay clickable.
    for (const site of data.sites) {
      if (site.latitude === null || site.longitude === null) continue;
      const at: L.LatLngExpression = [site.latitude, site.longitude];
      points.push(at);
      L.circleMarker(at, { radius: 12, weight: 3, color: SITE_COLOR, fillColor: SITE_COLOR, fillOpacity: 0.15 })
        .bindTooltip(
          textTooltip(`${site.name}: ${site.affectedCustomers.toLocaleString("en-US")} affected`),
          // The sites are what the map is about: their names stay shown when there are few.
          { permanent: data.sites.length <= 5, direction: "top", offset: [0, -10] },
        )
        .addTo(map);
    }
    for (const customer of data.customers) {
      const at: L.LatLngExpression = [customer.latitude, customer.longitude];
      points.push(at);
      L.circleMarker(at, {
        radius: 4,
        weight: 1,
        color: "#ffffff",
        fillColor: customer.hasOpenTicket ? OPEN_TICKET_COLOR : CUSTOMER_COLOR,
        fillOpacity: 0.9,
      })
        .bindTooltip(textTooltip(customer.hasOpenTicket ? `${customer.name} (open ticket)` : customer.name))
        .on("click", () => navigate(`/customers/${customer.id}`))
        .addTo(map);
    }
    if (points.length === 1 && points[0]) map.setView(points[0], 14);
    else map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 15 });
    // The container can be laid out after the map measured it (a grid column settling): measure again.
    const resize = new ResizeObserver(() => map.invalidateSize());
    resize.observe(element);
    return () => {
      resize.disconnect();
      map.remove();
    };
  }, [data, navigate]);

  return (
    <>
      <section
        ref={container}
        aria-label="Map of the affected sites and customers"
        style={{ height, width: "100%", borderRadius: "var(--mantine-radius-sm)", zIndex: 0 }}
      />
      <Group gap="md" mt={6}>
        <Legend color={SITE_COLOR} label="Site" />
        <Legend color={CUSTOMER_COLOR} label="Customer" />
        <Legend color={OPEN_TICKET_COLOR} label="Customer with an open ticket" />
      </Group>
    </>
  );
}

function Legend({ color, label }: { color: string; label: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <span
        aria-hidden
        style={{ display: "inline-block", width: 10, height: 10, borderRadius: "50%", background: color }}
      />
      <Text size="xs">{label}</Text>
    </Group>
  );
}
