/**
 * The subscribers of bench/subscriptions.ts, in their own process (so parsing 100 streams does
 * not run on the gateway's event loop): opens N subscriptions over SSE or graphql-ws, records when
 * each event arrives (performance.timeOrigin + now(), comparable across processes on one host),
 * and sends the arrival times to the parent once every subscriber has `expected` events.
 *   node bench/subscription-clients.ts <url> <token> <sse|ws> <subscribers> <expected> <after>
 */
import { type Received, sseSubscribe, wsClient, wsSubscribe } from '../test/support/subscription-clients.ts';

const [url = '', token = '', transport = 'sse', count = '1', expected = '0', after = ''] =
  process.argv.slice(2);
const query = `subscription ($after: String) { changes(after: $after) { ... on ChangeEvent { id cursor } } }`;
const clock = () => performance.timeOrigin + performance.now();

type Arrivals = { ids: string[]; at: number[] };
const arrivals: Arrivals[] = [];
const subs: Received[] = [];
const clients: Array<{ dispose(): Promise<void> | void }> = [];
let done = 0;
let resolveAll: () => void = () => {};
const all = new Promise<void>((resolve) => {
  resolveAll = resolve;
});

let resyncs = 0;
let reconnects = 0;
/** Connections one subscriber may lose (and resume) before the run counts as failed. */
const MAX_RECONNECTS = 20;
let cpuFrom = process.cpuUsage();
for (let i = 0; i < Number(count); i++) {
  const mine: Arrivals = { ids: [], at: [] };
  arrivals.push(mine);
  let client = transport === 'ws' ? wsClient(url, token) : undefined;
  if (client) clients.push(client);
  const open = (from: string) => {
    const sub = client
      ? wsSubscribe(client, query, { after: from })
      : sseSubscribe(url, token, query, { after: from });
    subs.push(sub);
    return sub;
  };
  void (async () => {
    let sub = open(after);
    let cursor = after;
    let seen = 0;
    let lost = 0;
    while (mine.ids.length < Number(expected)) {
      await sub.waitFor(seen);
      let resubscribe: string | undefined;
      let dropped = false;
      for (; seen < sub.results.length; seen++) {
        const result = sub.results[seen];
        const change = result?.data?.changes as { id?: string; cursor?: string } | undefined;
        if (change?.id) {
          mine.ids.push(change.id);
          mine.at.push(clock());
          cursor = change.cursor ?? cursor;
        }
        const error = result?.errors?.[0];
        if (error?.extensions?.code === 'RESYNC') {
          // What a client does when it fell behind: subscribe again from the cursor given.
          resyncs++;
          resubscribe = error.extensions.cursor as string;
          break;
        }
        if (error?.message.startsWith('client:')) {
          // The connection dropped (SSE): resume from the last cursor, as a client would.
          resubscribe = cursor;
          dropped = true;
          break;
        }
        if (error) throw new Error(`subscription error: ${error.message}`);
      }
      if (resubscribe === undefined && seen >= sub.results.length && mine.ids.length < Number(expected)) {
        const ended = await Promise.race([
          sub.ended.then(() => true),
          new Promise((r) => setTimeout(r, 0, false)),
        ]);
        // Ended without RESYNC and without everything: the connection was dropped (a graphql-ws
        // socket closed, e.g. by the server's keep-alive when a client lags by more than 12 s).
        if (ended && seen >= sub.results.length) {
          resubscribe = cursor;
          dropped = true;
        }
      }
      if (resubscribe === undefined) continue;
      if (dropped) {
        reconnects++;
        if (++lost > MAX_RECONNECTS)
          throw new Error(`subscription dropped ${lost} times (after ${mine.ids.length} events)`);
        if (client) {
          void client.dispose();
          client = wsClient(url, token);
          clients.push(client);
        }
      }
      sub.close();
      sub = open(resubscribe);
      seen = 0;
    }
    if (++done === Number(count)) resolveAll();
  })().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
process.send?.({ ready: true });
// Counted from when the writer starts (the parent waits 2 s after `ready`), roughly as the gateway's.
setTimeout(() => {
  cpuFrom = process.cpuUsage();
}, 2_000).unref();
// Progress on stderr when it takes long: how far each subscriber got.
const progress = setInterval(() => {
  process.stderr.write(`clients: ${arrivals.map((a) => a.ids.length).join(',')} of ${expected}\n`);
}, 10_000);
progress.unref();
await all;
for (const sub of subs) sub.close();
await Promise.all(clients.map((c) => c.dispose()));
const cpu = process.cpuUsage(cpuFrom);
process.send?.({ arrivals, resyncs, reconnects, cpu }, () => process.exit(0));
