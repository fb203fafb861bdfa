import { AreaChart, BarChart } from "@mantine/charts";

/**
 * The dashboard's two charts. They live in their own chunk, loaded after the counts are on
 * screen: the charting library (recharts) is most of the dashboard's code, and a phone on a slow
 * network should see the numbers first.
 */

export interface TrendPoint {
  day: string;
  Created: number;
  Resolved: number;
}

export function TrendAreaChart({ data }: { data: TrendPoint[] }) {
  return (
    <AreaChart
      h={260}
      data={data}
      dataKey="day"
      series={[
        { name: "Created", color: "blue.6" },
        { name: "Resolved", color: "teal.6" },
      ]}
      curveType="monotone"
      withLegend
      withDots={false}
      tickLine="y"
      gridAxis="y"
      fillOpacity={0.15}
      role="figure"
      aria-label="Tickets created and resolved per day over the last 30 days"
    />
  );
}

export interface TechnicianPoint {
  name: string;
  Open: number;
  Overdue: number;
}

export function TechnicianBarChart({
  data,
  height,
  axisName,
}: {
  data: TechnicianPoint[];
  height: number;
  axisName: (name: string) => string;
}) {
  return (
    <BarChart
      h={height}
      data={data}
      dataKey="name"
      orientation="vertical"
      yAxisProps={{ width: 110, tickFormatter: axisName }}
      xAxisProps={{ allowDecimals: false }}
      series={[
        { name: "Open", color: "blue.6" },
        { name: "Overdue", color: "red.6" },
      ]}
      gridAxis="x"
      role="figure"
      aria-label="Open and overdue tickets per technician"
    />
  );
}
