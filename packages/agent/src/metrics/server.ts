// Serves /metrics (or --metrics-path) on --metrics-port, at --metrics-addr (empty: all addresses).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KrouteMetrics } from './metrics.js';

export async function startMetricsServer(metrics: KrouteMetrics, opts: { port: number; path: string; address?: string }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== opts.path || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address || '::', () => { server.off('error', reject); resolve(); });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
