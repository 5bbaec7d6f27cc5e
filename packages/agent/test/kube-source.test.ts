import assert from 'node:assert/strict';
import { KubeClusterSource } from '../src/cluster/kube-source.js';
import type { ClusterChange } from '../src/cluster/types.js';
import { FakeApiServer } from './helpers/fake-apiserver.js';

const node = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
const svc = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: ip } });

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Kubernetes informer source (against an in-process list/watch server)', () => {
  let api: FakeApiServer;
  let source: KubeClusterSource | undefined;
  beforeEach(async () => {
    api = new FakeApiServer();
    await api.start();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await api.stop();
  });

  it('lists, then follows watch events for nodes, services and endpoint slices', async () => {
    api.upsert('nodes', node('a', '10.0.0.1'));
    source = new KubeClusterSource({ kubeConfig: api.kubeConfig() });
    const changes: ClusterChange[] = [];
    source.on('change', (c: ClusterChange) => changes.push(c));
    await source.start();
    assert.deepEqual(source.snapshot().nodes.map((n) => n.metadata?.name), ['a']);
    api.upsert('nodes', node('b', '10.0.0.2'));
    api.upsert('services', svc('web', '10.96.0.10'));
    api.upsert('endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [] });
    await until('three objects', () => source!.snapshot().nodes.length === 2 && source!.snapshot().services.length === 1 && source!.snapshot().endpointSlices.length === 1);
    api.remove('nodes', 'a');
    await until('node a gone', () => source!.snapshot().nodes.length === 1);
    assert.ok(changes.some((c) => c.kind === 'Node' && c.name === 'a' && c.type === 'deleted'));
    api.bookmark(); // must not disturb anything
    api.upsert('nodes', node('c', '10.0.0.3'));
    await until('node c', () => source!.snapshot().nodes.length === 2);
  });

  it('survives an API server restart, keeping its state, and catches up afterwards', async () => {
    api.upsert('nodes', node('a', '10.0.0.1'));
    source = new KubeClusterSource({ kubeConfig: api.kubeConfig() });
    let disconnected = 0;
    source.on('disconnected', () => disconnected++);
    source.on('problem', () => { /* expected while the server is down */ });
    await source.start();
    await api.stop();
    await until('the source notices', () => disconnected > 0);
    assert.equal(source.snapshot().nodes.length, 1, 'the last known state is kept while the API is down');
    api.upsert('nodes', node('b', '10.0.0.2')); // changes while down
    await api.start();
    await until('catch-up after restart', () => source!.snapshot().nodes.length === 2, 20_000);
    assert.equal(source.isConnected(), true);
  });

  it('relists after 410 Gone, dropping objects deleted meanwhile', async () => {
    api.upsert('nodes', node('a', '10.0.0.1'));
    api.upsert('nodes', node('b', '10.0.0.2'));
    source = new KubeClusterSource({ kubeConfig: api.kubeConfig() });
    source.on('problem', () => { /* the restart is reported */ });
    await source.start();
    const listsBefore = api.requests.list;
    await api.stop();
    api.remove('nodes', 'b');
    api.upsert('nodes', node('c', '10.0.0.3'));
    api.compact(); // history is gone: a watch from the old version gets 410
    await api.start();
    await until('relist after 410', () => {
      const names = source!.snapshot().nodes.map((n) => n.metadata?.name).sort().join(',');
      return names === 'a,c';
    }, 20_000);
    assert.ok(api.requests.list > listsBefore, 'it listed again');
  });
});
