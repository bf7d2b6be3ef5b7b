/**
 * Jane simulator list throughput with rate limits off: pages through every patient and
 * appointment of a generated clinic over HTTP (as the gateway's poller does) and prints
 * records/s. Run: node bench/simulators/jane.ts [patients] [pageLimit]
 */
import { randomBytes } from 'node:crypto';
import { pkceChallenge } from '../../src/simulators/common/oauth.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';

const patients = Number(process.argv[2] ?? 5000);
const pageLimit = Number(process.argv[3] ?? 100);

const startedAt = performance.now();
const sim = await startJaneSimulator({ patients, rateLimits: false });
const startupMs = performance.now() - startedAt;

// The OAuth dance, without a browser.
const verifier = randomBytes(32).toString('base64url');
const redirectUri = 'http://127.0.0.1:9/callback';
const authorize = new URL(sim.oauth.authorizeUrl);
for (const [k, v] of Object.entries({
  response_type: 'code',
  client_id: sim.oauth.clientId,
  redirect_uri: redirectUri,
  code_challenge: pkceChallenge(verifier),
  code_challenge_method: 'S256',
  resource: sim.rootClinic.url,
})) {
  authorize.searchParams.set(k, v);
}
const consent = await (await fetch(authorize)).text();
const requestId = /name="request_id" value="([^"]+)"/.exec(consent)?.[1] ?? '';
const approved = await fetch(sim.oauth.authorizeUrl, {
  method: 'POST',
  redirect: 'manual',
  body: new URLSearchParams({ request_id: requestId, decision: 'approve' }),
});
const code = new URL(approved.headers.get('location') ?? '').searchParams.get('code') ?? '';
const token = (await (
  await fetch(sim.oauth.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: sim.oauth.clientId,
      client_secret: sim.oauth.clientSecret,
    }),
  })
).json()) as { access_token: string };

async function drain(path: string): Promise<{ records: number; requests: number }> {
  let next: string | null = `/api/2026-01-01${path}?page[limit]=${pageLimit}&sort=updated_at`;
  let records = 0;
  let requests = 0;
  while (next) {
    const res = await fetch(`${sim.url}${next}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    const body = (await res.json()) as { items: unknown[]; links: { after: string | null } };
    records += body.items.length;
    requests++;
    next = body.links.after;
  }
  return { records, requests };
}

await drain('/patients'); // warm-up (JIT, sorted-view cache)
const t0 = performance.now();
let total = 0;
let requests = 0;
for (const path of ['/patients', '/appointments']) {
  const r = await drain(path);
  total += r.records;
  requests += r.requests;
}
const seconds = (performance.now() - t0) / 1000;
await sim.close();

console.log(
  JSON.stringify({
    simulator: 'jane',
    patients,
    pageLimit,
    startupMs: Math.round(startupMs),
    records: total,
    requests,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(total / seconds),
  }),
);
