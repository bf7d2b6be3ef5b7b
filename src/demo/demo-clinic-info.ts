import type { RunningDrChronoSimulator } from '../simulators/drchrono/index.ts';
import type { EpicSimulator } from '../simulators/epic/index.ts';
import type { RunningJaneSimulator } from '../simulators/jane/index.ts';
import type { RunningSimulator } from '../simulators/types.ts';

/**
 * What a developer needs to poke a simulated clinic by hand: where its API and OAuth endpoints
 * are and the demo client's credentials. Synthetic, demo-only credentials of an in-process
 * simulator — never real ones; shown on `/` only in demo mode.
 */
export type DemoClinicInfo = {
  source: RunningSimulator['source'];
  url: string;
  api: string;
  auth: Record<string, string>;
  note: string;
  admin: string;
};

export function describeDemoClinic(sim: RunningSimulator): DemoClinicInfo {
  const admin = `${sim.url}/_admin/counters`;
  if (sim.source === 'jane') {
    const jane = sim as RunningJaneSimulator;
    return {
      source: 'jane',
      url: jane.url,
      api: jane.rootClinic.apiBaseUrl,
      auth: {
        flow: 'authorization code + PKCE (S256), resource = the clinic URL',
        authorize: jane.oauth.authorizeUrl,
        token: jane.oauth.tokenUrl,
        client_id: jane.oauth.clientId,
        client_secret: jane.oauth.clientSecret,
      },
      note: 'The root answers 404 and the API 401 without a bearer token: the gateway holds the demo tokens.',
      admin,
    };
  }
  if (sim.source === 'drchrono') {
    const drchrono = sim as RunningDrChronoSimulator;
    return {
      source: 'drchrono',
      url: drchrono.url,
      api: `${drchrono.url}/api/patients`,
      auth: {
        flow: 'authorization code',
        authorize: `${drchrono.url}/o/authorize/`,
        token: `${drchrono.url}/o/token/`,
        client_id: drchrono.client.clientId,
        client_secret: drchrono.client.clientSecret,
      },
      note: 'The API answers 401 without a bearer token; limits: 500 requests/hour and 10/s per app.',
      admin,
    };
  }
  const epic = sim as EpicSimulator;
  return {
    source: 'epic',
    url: epic.url,
    api: `${epic.fhirBaseUrl}/metadata`,
    auth: {
      flow: 'SMART backend services (RS384 client assertion)',
      token: epic.tokenUrl,
      client_id: epic.backendClient.clientId,
      jwks: epic.backendClient.jwksUrl,
    },
    note: 'The gateway connects as its own client with the key pair published at /.well-known/jwks.json.',
    admin,
  };
}
