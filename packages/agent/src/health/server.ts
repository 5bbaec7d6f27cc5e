// GET /healthz on --health-port: 200 "OK" or 500 "Unhealthy" (kube-router). Other paths: 404.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Heartbeats } from './heartbeats.js';

export async function startHealthServer(heartbeats: Heartbeats, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ok = heartbeats.healthy();
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' });
    if (ok) res.end('OK\n');
    else res.end(`Unhealthy: ${heartbeats.status().filter((s) => !s.healthy).map((s) => s.name).join(', ')}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
