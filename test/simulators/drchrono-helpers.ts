import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  type DrChronoSimulatorOptions,
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';

/** Response bodies under test are read loosely; the assertions check their shape. */
// biome-ignore lint/suspicious/noExplicitAny: JSON under test
export type Loose = any;
export type LooseResponse = Omit<Response, 'json'> & { json(): Promise<Loose> };
export const looseFetch = fetch as unknown as (
  input: string | URL,
  init?: RequestInit,
) => Promise<LooseResponse>;

/** Starts a small DrChrono simulator with an access token holding every scope. */
export async function startTestDrChrono(options: DrChronoSimulatorOptions = {}): Promise<{
  sim: RunningDrChronoSimulator;
  api(path: string, init?: RequestInit): Promise<LooseResponse>;
  token: string;
}> {
  const sim = await startDrChronoSimulator({ seed: 11, patients: 40, rateLimits: false, ...options });
  const token = sim.issueAccessToken().accessToken;
  const api = (path: string, init: RequestInit = {}) =>
    looseFetch(path.startsWith('http') ? path : `${sim.url}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  return { sim, api, token };
}

/** The vendor OpenAPI (test fixture copy, see test/fixtures/vendor/README.md). */
export function loadDrChronoOpenApi(): {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
} {
  const file = new URL('../fixtures/vendor/drchrono-v4-openapi.yml', import.meta.url);
  return parse(readFileSync(file, 'utf8'));
}

export const json = (body: unknown): RequestInit['body'] => JSON.stringify(body);
