export interface DemoSize {
  customers: number;
  tickets: number;
  /** Technician accounts the generator adds (the existing staff accounts take part too). */
  technicians: number;
  sites: number;
}

/**
 * The spec's sizes (Who uses it): a small wireless ISP (S), a growing one (M) and a regional
 * ISP with millions of tickets (L). XS exists for the generator's own tests.
 */
export const DEMO_SIZES = {
  XS: { customers: 60, tickets: 500, technicians: 4, sites: 8 },
  S: { customers: 1_200, tickets: 12_000, technicians: 8, sites: 24 },
  M: { customers: 20_000, tickets: 200_000, technicians: 40, sites: 150 },
  L: { customers: 200_000, tickets: 2_000_000, technicians: 200, sites: 900 },
} as const satisfies Record<string, DemoSize>;

export type DemoSizeName = keyof typeof DEMO_SIZES;

export const isDemoSizeName = (value: string): value is DemoSizeName => Object.hasOwn(DEMO_SIZES, value);
