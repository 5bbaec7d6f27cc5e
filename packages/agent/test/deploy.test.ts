// Checks the deploy/ manifests with the project's own rules instead of a live API server: object shapes, RBAC
// limited to reads of the three kinds kroute watches, and the DaemonSet's arguments parsed by kroute's flag parser.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parseFlags, externalPeersFromFlags } from '../src/config/flags.js';

const DEPLOY = fileURLToPath(new URL('../../../../deploy/', import.meta.url));
import type { KubernetesObject, V1ClusterRole, V1ClusterRoleBinding, V1ConfigMap, V1DaemonSet, V1Secret } from '@kubernetes/client-node';

type Obj = KubernetesObject & Record<string, unknown>;

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
    assert.equal(d.errors.length, 0, `${file}: ${d.errors[0]?.message}`);
    return d.toJS() as Obj;
  });
}

describe('deploy/ manifests', () => {
  const rbac = load('kroute-rbac.yaml');
  const peers = load('kroute-peers-configmap.yaml');
  const ds = load('kroute-daemonset.yaml')[0] as unknown as V1DaemonSet;
  const pod = ds.spec!.template.spec!;
  const container = pod.containers[0]!;
  const configMap = peers.find((o) => o.kind === 'ConfigMap') as unknown as V1ConfigMap;
  const secret = peers.find((o) => o.kind === 'Secret') as unknown as V1Secret;

  it('every object has apiVersion, kind and metadata.name', () => {
    for (const o of [...rbac, ...peers, ds as KubernetesObject]) {
      assert.ok(o.apiVersion && o.kind && o.metadata?.name, JSON.stringify(o).slice(0, 80));
    }
  });

  it('RBAC: get, list and watch on nodes, services and endpointslices, and nothing more', () => {
    const role = rbac.find((o) => o.kind === 'ClusterRole') as unknown as V1ClusterRole;
    const granted = new Set<string>();
    for (const r of role.rules ?? []) {
      assert.deepEqual([...r.verbs].sort(), ['get', 'list', 'watch']);
      for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) granted.add(`${g}/${res}`);
    }
    assert.deepEqual([...granted].sort(), ['/nodes', '/services', 'discovery.k8s.io/endpointslices']);
    const binding = rbac.find((o) => o.kind === 'ClusterRoleBinding') as unknown as V1ClusterRoleBinding;
    assert.equal(binding.roleRef.name, 'kroute');
    assert.equal(binding.subjects![0]!.name, pod.serviceAccountName);
  });

  it('DaemonSet: host network, NODE_NAME, minimal capabilities, not privileged, liveness on the health port', () => {
    assert.equal(pod.hostNetwork, true);
    const c = container;
    assert.equal(c.env!.find((e) => e.name === 'NODE_NAME')!.valueFrom!.fieldRef!.fieldPath, 'spec.nodeName');
    assert.equal(c.securityContext!.privileged, false);
    assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'], add: ['NET_ADMIN', 'NET_BIND_SERVICE'] });
    assert.equal(c.livenessProbe!.httpGet!.path, '/healthz');
    const healthArg = c.args!.find((a) => a.startsWith('--health-port='))!;
    assert.equal(String(c.livenessProbe!.httpGet!.port), healthArg.split('=')[1]);
  });

  it("the DaemonSet's arguments, with the example ConfigMap and Secret, parse with kroute's flag parser", () => {
    const cm = configMap.data!;
    const dir = mkdtempSync(join(tmpdir(), 'kroute-deploy-'));
    const mount = container.volumeMounts!.find((m) => m.name === 'peer-passwords')!.mountPath;
    writeFileSync(join(dir, 'peer-passwords'), secret.stringData!['peer-passwords']!);
    const args = container.args!.map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => {
      assert.ok(v in cm, `the ConfigMap defines ${v}`);
      return cm[v]!;
    }).replace(mount, dir));
    const { options } = parseFlags(args);
    assert.equal(options.bgpGracefulRestart, true);
    const ext = externalPeersFromFlags(options);
    assert.deepEqual(ext.map((p) => [p.address, p.asn, p.password]), [['192.0.2.1', 65000, 's3cret'], ['192.0.2.2', 65000, 's3cret']]);
  });

  it('the ConfigMap can be emptied to run without external peers', () => {
    const args = container.args!.filter((a) => !a.startsWith('--peer-router-passwords-file'))
      .map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => (v === 'KROUTE_PEER_MULTIHOP_TTL' ? '0' : '')));
    assert.deepEqual(parseFlags(args).options.peerRouterIps, []);
  });

  it('the Dockerfile builds in one stage and runs the kroute bin in a slim one', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    assert.equal((text.match(/^FROM /gm) ?? []).length, 2);
    assert.match(text, /RUN npm ci && npm run build/);
    assert.match(text, /ENTRYPOINT \["node", "\/opt\/kroute\/packages\/agent\/dist\/src\/bin\/kroute\.js"\]/);
  });
});
