// Cluster state from the Kubernetes API: list+watch informers (client-node) on Nodes, Services and EndpointSlices.
// client-node's ListWatch relists by itself on 410 Gone, but stops on any other error (API server down, connection
// refused); this source restarts it with capped backoff, keeping the last known objects meanwhile, so routing goes on
// while the API is unreachable and catches up when it returns.
import { EventEmitter } from 'node:events';
import {
  CoreV1Api, DiscoveryV1Api, KubeConfig, makeInformer,
  type Informer, type KubernetesObject, type ObjectCache,
} from '@kubernetes/client-node';
import type { ClusterChange, ClusterSnapshot, ClusterSource, ObjectKind, V1EndpointSlice, V1Node, V1Service } from './types.js';

const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;

export interface KubeSourceOptions {
  /** --kubeconfig; empty means in-cluster config, else the default kubeconfig. */
  readonly kubeconfig?: string;
  /** --master: overrides the server of the kubeconfig. */
  readonly master?: string;
  /** A ready KubeConfig (tests). */
  readonly kubeConfig?: KubeConfig;
}

export function loadKubeConfig(opts: KubeSourceOptions): KubeConfig {
  if (opts.kubeConfig) return opts.kubeConfig;
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (opts.master) kc.loadFromClusterAndUser({ name: 'master', server: opts.master, skipTLSVerify: false }, { name: 'user' });
  else kc.loadFromDefault();
  if (opts.master && opts.kubeconfig) {
    const cluster = kc.getCurrentCluster();
    if (cluster) {
      kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: opts.master! } : c));
    }
  }
  return kc;
}

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

interface WatchState {
  listed: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

interface Tracked<T extends KubernetesObject> {
  readonly kind: ObjectKind;
  readonly informer: Watched<T>;
  readonly state: WatchState;
}

export class KubeClusterSource extends EventEmitter implements ClusterSource {
  private readonly kc: KubeConfig;
  private readonly tracked: Array<Tracked<V1Node> | Tracked<V1Service> | Tracked<V1EndpointSlice>>;
  private readonly nodes: Tracked<V1Node>;
  private readonly services: Tracked<V1Service>;
  private readonly slices: Tracked<V1EndpointSlice>;
  private stopped = false;
  private connected = false;
  private firstList: Promise<void> | undefined;
  private resolveFirstList: (() => void) | undefined;

  constructor(opts: KubeSourceOptions) {
    super();
    this.kc = loadKubeConfig(opts);
    const core = this.kc.makeApiClient(CoreV1Api);
    const discovery = this.kc.makeApiClient(DiscoveryV1Api);
    this.nodes = this.track<V1Node>('Node', '/api/v1/nodes', () => core.listNode());
    this.services = this.track<V1Service>('Service', '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.slices = this.track<V1EndpointSlice>('EndpointSlice', '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces());
    this.tracked = [this.nodes, this.services, this.slices];
  }

  private track<T extends KubernetesObject>(kind: ObjectKind, path: string, list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>): Tracked<T> {
    const t: WatchState = { listed: false, failures: 0, timer: undefined };
    const informer = makeInformer<T>(this.kc, path, async () => {
      const result = await list();
      t.listed = true;
      t.failures = 0;
      this.setConnected(true);
      this.checkFirstList();
      return result;
    });
    const emitChange = (type: ClusterChange['type']) => (obj: T) => {
      // An event proves the watch is up again (a resumed watch does not list).
      t.failures = 0;
      this.setConnected(true);
      const md = obj.metadata ?? {};
      const change: ClusterChange = { kind, type, name: md.name ?? '', ...(md.namespace ? { namespace: md.namespace } : {}) };
      this.emit('change', change);
    };
    informer.on('add', emitChange('added'));
    informer.on('update', emitChange('modified'));
    informer.on('delete', emitChange('deleted'));
    informer.on('connect', () => { /* a (re)connect attempt; success shows as a list or events */ });
    informer.on('error', (err?: unknown) => {
      if (this.stopped) return;
      t.failures++;
      this.setConnected(false);
      const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** Math.min(t.failures - 1, 10));
      this.emit('problem', `${kind} watch failed (${describeError(err)}); retrying in ${delay} ms, keeping the last known state`);
      clearTimeout(t.timer);
      t.timer = setTimeout(() => {
        if (!this.stopped) informer.start().catch(() => { /* reported through 'error' */ });
      }, delay);
    });
    return { kind, informer, state: t };
  }

  private setConnected(up: boolean): void {
    if (up === this.connected) return;
    this.connected = up;
    this.emit(up ? 'connected' : 'disconnected');
  }

  private checkFirstList(): void {
    if (this.tracked.every((t) => t.state.listed)) this.resolveFirstList?.();
  }

  /** Resolves once all three kinds have been listed (retrying until the API server answers). */
  start(): Promise<void> {
    if (!this.firstList) {
      this.firstList = new Promise<void>((resolve) => { this.resolveFirstList = resolve; });
      for (const t of this.tracked) t.informer.start().catch(() => { /* reported through 'error' */ });
    }
    return this.firstList;
  }

  snapshot(): ClusterSnapshot {
    return {
      nodes: this.nodes.informer.list(),
      services: this.services.informer.list(),
      endpointSlices: this.slices.informer.list(),
    };
  }

  isConnected(): boolean {
    return this.connected;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tracked) {
      clearTimeout(t.state.timer);
      await t.informer.stop();
    }
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    const o = err as { code?: unknown; message?: unknown; statusCode?: unknown };
    return String(o.message ?? o.statusCode ?? o.code ?? JSON.stringify(err));
  }
  return String(err);
}
