import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for the gateway's OAuth redirect URI: records the query it is called with. */
export async function startCallbackServer() {
  const calls: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end(); // the browser's favicon request, for one
      return;
    }
    calls.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>connected</title><p id="done">Connected</p>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
