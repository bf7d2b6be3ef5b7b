import type { Logger } from 'pino';
import {
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
} from '../connectors/common/oauth-code-flow.ts';
import { ensureEpicConnection, saveOAuthConnection } from '../connectors/connection-setup.ts';
import { DRCHRONO_SCOPES } from '../connectors/drchrono/catalog.ts';
import { JANE_SCOPES } from '../connectors/jane/catalog.ts';
import type { RunningDrChronoSimulator } from '../simulators/drchrono/index.ts';
import type { EpicSimulator } from '../simulators/epic/index.ts';
import type { RunningJaneSimulator } from '../simulators/jane/index.ts';
import type { RunningSimulator } from '../simulators/types.ts';
import type { Connection, Store } from '../store/port.ts';
import { approveConsentLikeABrowser } from './consent-robot.ts';

export const DEMO_TENANT = 'demo';
export const DEMO_CONNECTION_IDS = {
  jane: 'jane-demo',
  drchrono: 'drchrono-demo',
  epic: 'epic-demo',
} as const;
/** The backend client id the demo registers at the simulated Epic organisation. */
export const DEMO_EPIC_CLIENT_ID = 'fhir-gateway-demo';

export type ConnectDemoDeps = {
  store: Store;
  log: Logger;
  /** Where this gateway listens: the OAuth redirect and the Epic JWKS URL live here. */
  gatewayUrl: string;
  simulators: readonly RunningSimulator[];
  fetch?: typeof fetch;
  now?: () => number;
};

/**
 * DEMO ONLY: makes sure tenant `demo` has one connection per running simulator, made through the
 * real flows — Jane (authorization code + PKCE) and DrChrono (authorization code) by playing the
 * user's browser on the simulator's consent page, Epic (backend services) by registering the
 * gateway's JWKS URL the way an Epic admin registers an app. Simulators keep their tokens in
 * memory, so every start authorizes again. Call it once the gateway listens (Epic fetches the
 * JWKS from it at token time).
 */
export async function connectDemoClinics(deps: ConnectDemoDeps): Promise<Connection[]> {
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? Date.now;
  const redirectUri = `${deps.gatewayUrl}/oauth/callback`;
  await deps.store.tenants.ensure(DEMO_TENANT, 'Demo clinics (simulated)');
  const connections: Connection[] = [];
  for (const sim of deps.simulators) {
    if (sim.source === 'jane') {
      const jane = sim as RunningJaneSimulator;
      const pkce = createPkcePair();
      const state = `demo-${now()}`;
      const granted = await approveConsentLikeABrowser(
        fetchFn,
        buildAuthorizeUrl({
          authorizeUrl: jane.oauth.authorizeUrl,
          clientId: jane.oauth.clientId,
          redirectUri,
          scope: JANE_SCOPES.filter((s) => jane.oauth.scopes.includes(s)).join(' '),
          state,
          codeChallenge: pkce.challenge,
          resource: jane.rootClinic.url,
        }),
      );
      const tokens = await exchangeAuthorizationCode(fetchFn, {
        source: 'jane',
        tokenUrl: jane.oauth.tokenUrl,
        clientId: jane.oauth.clientId,
        clientSecret: jane.oauth.clientSecret,
        code: granted.code,
        redirectUri,
        codeVerifier: pkce.verifier,
      });
      connections.push(
        await saveOAuthConnection(deps.store, {
          tenant: DEMO_TENANT,
          id: DEMO_CONNECTION_IDS.jane,
          source: 'jane',
          config: {
            clinicUrl: jane.rootClinic.url,
            tokenUrl: jane.oauth.tokenUrl,
            authorizeUrl: jane.oauth.authorizeUrl,
            clientId: jane.oauth.clientId,
          },
          clientSecret: jane.oauth.clientSecret,
          tokens,
          now: now(),
        }),
      );
    } else if (sim.source === 'drchrono') {
      const drchrono = sim as RunningDrChronoSimulator;
      const authorizeUrl = `${drchrono.url}/o/authorize/`;
      const tokenUrl = `${drchrono.url}/o/token/`;
      const granted = await approveConsentLikeABrowser(
        fetchFn,
        buildAuthorizeUrl({
          authorizeUrl,
          clientId: drchrono.client.clientId,
          redirectUri,
          scope: DRCHRONO_SCOPES.join(' '),
          state: `demo-${now()}`,
        }),
      );
      const tokens = await exchangeAuthorizationCode(fetchFn, {
        source: 'drchrono',
        tokenUrl,
        clientId: drchrono.client.clientId,
        clientSecret: drchrono.client.clientSecret,
        code: granted.code,
        redirectUri,
      });
      connections.push(
        await saveOAuthConnection(deps.store, {
          tenant: DEMO_TENANT,
          id: DEMO_CONNECTION_IDS.drchrono,
          source: 'drchrono',
          config: { baseUrl: drchrono.url, tokenUrl, authorizeUrl, clientId: drchrono.client.clientId },
          clientSecret: drchrono.client.clientSecret,
          tokens,
          now: now(),
        }),
      );
    } else if (sim.source === 'epic') {
      const epic = sim as EpicSimulator;
      epic.registerClient({
        clientId: DEMO_EPIC_CLIENT_ID,
        jwksUrl: `${deps.gatewayUrl}/.well-known/jwks.json`,
      });
      connections.push(
        await ensureEpicConnection(deps.store, {
          tenant: DEMO_TENANT,
          id: DEMO_CONNECTION_IDS.epic,
          fhirBaseUrl: epic.fhirBaseUrl,
          tokenUrl: epic.tokenUrl,
          clientId: DEMO_EPIC_CLIENT_ID,
          groupId: epic.groupId,
          now: now(),
        }),
      );
    }
  }
  deps.log.info(
    { tenant: DEMO_TENANT, connections: connections.map((c) => ({ id: c.id, source: c.source })) },
    'demo mode: simulated clinics connected through OAuth',
  );
  return connections;
}
