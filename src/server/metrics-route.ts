import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export type MetricsSource = {
  readonly registry: Registry;
  /** Brings gauges up to date before a scrape. */
  refresh(): Promise<void>;
};

/** GET /metrics in the Prometheus text format. */
export function createMetricsRoute(source: MetricsSource) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await source.refresh();
    const body = await source.registry.metrics();
    res.writeHead(200, { 'content-type': source.registry.contentType });
    res.end(body);
  };
}
