import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEMO_TENANT } from '../demo/connect-demo-clinics.ts';
import { type DemoClinicInfo, describeDemoClinic } from '../demo/demo-clinic-info.ts';
import type { RunningSimulator } from '../simulators/types.ts';
import type { Store } from '../store/port.ts';

/** What each route of the app is for, shown on `/` for the routes that are registered. */
const ROUTE_NOTES: Record<string, string> = {
  'GET /healthz': 'the process is up',
  'GET /readyz': 'the store answers (503 when it does not)',
  'GET /metrics': 'Prometheus metrics (sync, requests, process)',
  'GET /graphql': 'the GraphQL API (GraphiQL in a browser)',
  'GET /fhir/metadata':
    "the gateway's own CodeSystems, NamingSystems and extension StructureDefinitions (FHIR R4, public; `/fhir/CodeSystem?url=…`)",
  'GET /.well-known/jwks.json': "public keys of the gateway's Epic client assertions",
  'GET /connect':
    'connect a clinic: open a link made by `npm run connect-link -- --tenant <id> --source jane`',
};

/**
 * `/`: what runs, what is connected and where to look — HTML for a browser, JSON otherwise.
 * Built from the routes actually registered, so it never promises what is not there. In demo
 * mode it shows the demo tenant's connections and the simulators' (synthetic) credentials.
 */
export function createFrontDoor(deps: {
  store: Store;
  demo: readonly RunningSimulator[];
  routes: () => string[];
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const demoMode = deps.demo.length > 0;
    const connections = demoMode
      ? (await deps.store.connections.list(DEMO_TENANT)).map((c) => ({
          tenant: c.tenant,
          id: c.id,
          source: c.source,
          state: c.config.state === 'needs_reauth' ? 'needs_reauth' : 'active',
        }))
      : [];
    const routes = deps
      .routes()
      .filter((r) => r !== 'GET /' && ROUTE_NOTES[r])
      .map((r) => ({ path: r.slice(r.indexOf(' ') + 1), what: ROUTE_NOTES[r] ?? '' }));
    const clinics = deps.demo.map(describeDemoClinic);
    const body = {
      service: 'fhir-normalization-gateway',
      store: deps.store.kind,
      demoMode,
      graphql: deps.routes().some((r) => r.endsWith(' /graphql')) ? '/graphql' : 'not built yet',
      routes,
      connections,
      /** The simulated clinics (empty outside demo mode). */
      demo: clinics,
    };
    if (!(req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(html(body, clinics));
  };
}

const esc = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function html(
  body: {
    store: string;
    demoMode: boolean;
    graphql: string;
    routes: { path: string; what: string }[];
    connections: { tenant: string; id: string; source: string; state: string }[];
  },
  clinics: DemoClinicInfo[],
): string {
  const routes = body.routes
    .map((r) => `<li><a href="${esc(r.path)}"><code>${esc(r.path)}</code></a> — ${esc(r.what)}</li>`)
    .join('');
  const connections = body.connections.length
    ? `<ul>${body.connections.map((c) => `<li><code>${esc(c.id)}</code> (${esc(c.source)}, tenant <code>${esc(c.tenant)}</code>): <strong>${esc(c.state)}</strong></li>`).join('')}</ul>`
    : '<p>No demo connections yet (they are made right after start).</p>';
  const sims = clinics
    .map(
      (s) => `<h3>${esc(s.source)} — <code>${esc(s.url)}</code></h3><p>${esc(s.note)}</p><ul>
<li>API: <code>${esc(s.api)}</code></li>
${Object.entries(s.auth)
  .map(([k, v]) => `<li>${esc(k)}: <code>${esc(v)}</code></li>`)
  .join('')}
<li>request counters: <a href="${esc(s.admin)}"><code>${esc(s.admin)}</code></a></li></ul>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FHIR normalization gateway</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}code{font-size:.9em}</style></head><body>
<h1>FHIR normalization gateway</h1>
<p>Running on the <strong>${esc(body.store)}</strong> store${body.demoMode ? ', in <strong>DEMO MODE</strong> (three simulated clinics with synthetic data)' : ''}. GraphQL: <strong>${esc(body.graphql)}</strong>.</p>
<h2>Routes</h2><ul>${routes}</ul>
${body.demoMode ? `<h2>Connected (tenant <code>demo</code>)</h2>${connections}<h2>Simulated clinics</h2><p>Demo-only synthetic credentials, for trying the source APIs by hand.</p>${sims}` : ''}
</body></html>`;
}
