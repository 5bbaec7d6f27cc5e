import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { FileClusterSource, parseClusterState } from '../src/cluster/file-source.js';
import { ObjectError } from '../src/cluster/validate.js';
import type { ClusterChange } from '../src/cluster/types.js';

const NODE_A = `
apiVersion: v1
kind: Node
metadata:
  name: node-a
  annotations:
    kube-router.io/node.asn: "64512"
spec:
  podCIDRs: [10.244.0.0/24]
status:
  addresses:
    - { type: InternalIP, address: 10.0.0.1 }
    - { type: Hostname, address: node-a }
`;
const SVC = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  clusterIPs: [10.96.0.10]
  externalIPs: [192.0.2.10]
status:
  loadBalancer:
    ingress: [{ ip: 198.51.100.1 }, { ip: 198.51.100.2, ipMode: Proxy }]
`;
const SLICE = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
endpoints:
  - addresses: [10.244.0.5]
    nodeName: node-a
    conditions: { ready: true }
`;

function problemOf(text: string): ObjectError {
  try {
    parseClusterState(text, 'c.yaml');
  } catch (e) {
    assert.ok(e instanceof ObjectError, String(e));
    return e;
  }
  assert.fail('no error');
}

describe('cluster-state file', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'kroute-cs-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses nodes, services and endpoint slices from several documents', () => {
    const objs = parseClusterState([NODE_A, SVC, SLICE].join('\n---\n'), 'c.yaml');
    assert.deepEqual(objs.map((o) => o.kind), ['Node', 'Service', 'EndpointSlice']);
    const node = objs[0]!.object as { spec: { podCIDRs: string[] } };
    assert.deepEqual(node.spec.podCIDRs, ['10.244.0.0/24']);
  });

  it('accepts a kubectl List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${[NODE_A].map((d) => d.trim().split('\n').map((l, i) => (i === 0 ? '  - ' : '    ') + l).join('\n')).join('\n')}\n`;
    const objs = parseClusterState(list, 'c.yaml');
    assert.equal(objs.length, 1);
    assert.equal(objs[0]!.kind, 'Node');
  });

  it('names the document and field of a bad object', () => {
    const bad = SVC.replace('externalIPs: [192.0.2.10]', 'externalIPs: [192.0.2.300]');
    const e = problemOf([NODE_A, bad].join('\n---\n'));
    assert.match(e.message, /document 2 \(Service default\/web\)/);
    assert.equal(e.field, 'spec.externalIPs[0]');
  });

  it('refuses an unknown kind, a bad pod CIDR, a non-string annotation and broken YAML', () => {
    assert.equal(problemOf('kind: Pod\nmetadata: {name: x}\n').field, 'kind');
    assert.equal(problemOf(NODE_A.replace('10.244.0.0/24', '10.244.0.0/99')).field, 'spec.podCIDRs[0]');
    assert.equal(problemOf(NODE_A.replace('"64512"', '64512')).field, 'metadata.annotations.kube-router.io/node.asn');
    assert.equal(problemOf('kind: Node\nmetadata: {name: [}\n').field, '(yaml)');
  });

  it('watches the file, reports changes, and keeps the last good state on a bad edit', async () => {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, NODE_A);
    const src = new FileClusterSource(file);
    await src.start();
    try {
      assert.equal(src.snapshot().nodes.length, 1);
      const changed = once(src, 'change') as Promise<[ClusterChange]>;
      // Replace the file atomically, as editors and `kubectl > file` do.
      writeFileSync(join(dir, 'tmp'), [NODE_A, SVC, SLICE].join('\n---\n'));
      renameSync(join(dir, 'tmp'), file);
      const [first] = await changed;
      assert.equal(first.type, 'added');
      await src.reload(); // settle: the watcher may still be reading
      assert.equal(src.snapshot().services.length, 1);
      assert.equal(src.snapshot().endpointSlices.length, 1);

      const problem = once(src, 'problem') as Promise<[string]>;
      writeFileSync(file, [NODE_A, 'kind: Service\nmetadata: {name: broken}\n'].join('\n---\n'));
      const [msg] = await problem;
      assert.match(msg, /document 2.*spec: is required/);
      assert.equal(src.snapshot().services.length, 1, 'the last good state is kept');
    } finally {
      await src.stop();
    }
  });
});
