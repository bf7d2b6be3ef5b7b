/** Requests seen by a simulator, by route and status, so tests can assert budgets. */
export type RequestCounters = {
  record(route: string, status: number): void;
  /** `{ "GET /api/patients": { "200": 3, "429": 1 } }` */
  snapshot(): Record<string, Record<string, number>>;
  total(filter?: (route: string, status: number) => boolean): number;
  reset(): void;
};

export function createRequestCounters(): RequestCounters {
  let counts = new Map<string, Map<number, number>>();
  return {
    record(route, status) {
      let byStatus = counts.get(route);
      if (!byStatus) {
        byStatus = new Map();
        counts.set(route, byStatus);
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    },
    snapshot() {
      const out: Record<string, Record<string, number>> = {};
      for (const [route, byStatus] of counts) {
        out[route] = Object.fromEntries([...byStatus].map(([s, n]) => [String(s), n]));
      }
      return out;
    },
    total(filter) {
      let sum = 0;
      for (const [route, byStatus] of counts) {
        for (const [status, n] of byStatus) if (!filter || filter(route, status)) sum += n;
      }
      return sum;
    },
    reset() {
      counts = new Map();
    },
  };
}
