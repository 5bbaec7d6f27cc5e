// An in-process HTTP server that speaks enough of the Kubernetes list/watch protocol for informers: lists with a
// resourceVersion, watches from a resourceVersion (replaying newer events), BOOKMARK events, 410 Gone for compacted
// versions, and stop/restart on the same port to play an API server restart.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type Resource = 'nodes' | 'services' | 'endpointslices';

const PATHS: Record<string, Resource> = {
  '/api/v1/nodes': 'nodes',
  '/api/v1/services': 'services',
  '/apis/discovery.k8s.io/v1/endpointslices': 'endpointslices',
};
const LIST_KIND: Record<Resource, { kind: string; apiVersion: string }> = {
  nodes: { kind: 'NodeList', apiVersion: 'v1' },
  services: { kind: 'ServiceList', apiVersion: 'v1' },
  endpointslices: { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1' },
};

interface KObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}
interface Event {
  rv: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KObject;
}
interface Watcher {
  resource: Resource;
  res: ServerResponse;
}

export class FakeApiServer {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private rv = 1;
  private compactedBelow = 0;
  private readonly objects: Record<Resource, Map<string, KObject>> = { nodes: new Map(), services: new Map(), endpointslices: new Map() };
  private readonly log: Event[] = [];
  private watchers = new Set<Watcher>();
  port = 0;
  /** Counts of requests by kind, for assertions ("it relisted"). */
  readonly requests = { list: 0, watch: 0 };

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve) => this.server!.listen(port || this.port, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
  }

  /** Drops every connection and stops listening, like an API server going away. State is kept. */
  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return kc;
  }

  upsert(resource: Resource, object: KObject): void {
    const key = keyOf(object);
    const type = this.objects[resource].has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    this.objects[resource].set(key, stored);
    this.publish({ rv: this.rv, resource, type, object: stored });
  }

  remove(resource: Resource, name: string, namespace?: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const old = this.objects[resource].get(key);
    if (!old) return;
    this.objects[resource].delete(key);
    const stored = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.publish({ rv: this.rv, resource, type: 'DELETED', object: stored });
  }

  /** Forgets history: watches from older versions now get 410 Gone. */
  compact(): void {
    this.compactedBelow = this.rv;
  }

  /** Sends a BOOKMARK to every open watch. */
  bookmark(): void {
    for (const w of this.watchers) {
      const { kind } = LIST_KIND[w.resource];
      write(w.res, { type: 'BOOKMARK', object: { kind: kind.replace(/List$/, ''), apiVersion: LIST_KIND[w.resource].apiVersion, metadata: { resourceVersion: String(this.rv) } } });
    }
  }

  /** Ends every open watch cleanly (as an API server's watch timeout does). */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  private publish(e: Event): void {
    this.log.push(e);
    for (const w of this.watchers) if (w.resource === e.resource) write(w.res, { type: e.type, object: e.object });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const resource = PATHS[url.pathname];
    if (!resource || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    if (url.searchParams.get('watch') !== 'true') {
      this.requests.list++;
      const body = { ...LIST_KIND[resource], metadata: { resourceVersion: String(this.rv) }, items: [...this.objects[resource].values()] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    this.requests.watch++;
    const from = Number(url.searchParams.get('resourceVersion') || '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from < this.compactedBelow) {
      write(res, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from}` } });
      res.end();
      return;
    }
    for (const e of this.log) if (e.resource === resource && e.rv > from) write(res, { type: e.type, object: e.object });
    const w: Watcher = { resource, res };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
  }
}

function keyOf(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

function write(res: ServerResponse, event: unknown): void {
  res.write(`${JSON.stringify(event)}\n`);
}
