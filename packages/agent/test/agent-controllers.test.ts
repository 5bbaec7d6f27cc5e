// The agent's controllers end to end in one process, without root: cluster state from the Kubernetes list/watch
// protocol (an in-process API server) or from a --cluster-state file, agents on loopback addresses in dry-run, and a
// kroute speaker playing the external ToR router that checks what each node advertises.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BgpSpeaker, type RouteJson } from '@kroute/bgp';
import { parseFlags } from '../src/config/flags.js';
import { KubeClusterSource } from '../src/cluster/kube-source.js';
import { FileClusterSource } from '../src/cluster/file-source.js';
import type { ClusterSource } from '../src/cluster/types.js';
import { KrouteAgent } from '../src/runtime/agent.js';
import { silentLogger } from '../src/runtime/log.js';
import { FakeApiServer } from './helpers/fake-apiserver.js';
import { freePort } from './helpers/ports.js';

const A = '127.0.0.31';
const B = '127.0.0.32';
const C = '127.0.0.34';
const TOR = '127.0.0.33';
const TOR_ASN = 65000;

const node = (name: string, ip: string, podCidr: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, annotations }, spec: { podCIDRs: [podCidr] },
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});
const service = (name: string, externalIp: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', externalIPs: [externalIp], ...extra },
});
const slice = (svc: string, nodeName: string, ready = true) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: `${svc}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'], nodeName, conditions: { ready } }],
});

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the ToR holds for `prefix`: the peers it came from, with their AS paths and communities. */
function torPaths(tor: BgpSpeaker, prefix: string): Array<{ peer: string; asPath: number[]; communities: string[] }> {
  const r = [...tor.locRib('ipv4-unicast', { prefix })] as RouteJson[];
  return (r[0]?.paths ?? []).map((p) => ({ peer: p.peer, asPath: p.asPath, communities: p.communities })).sort((x, y) => (x.peer < y.peer ? -1 : 1));
}

function scenarios(name: string, makeSource: () => Promise<{ sourceFor: () => ClusterSource; set: (objs: unknown[]) => Promise<void>; close: () => Promise<void> }>) {
  describe(`agent controllers (${name})`, function () {
    this.timeout(90_000);
    let port = 0;
    let tor: BgpSpeaker;
    const agents: KrouteAgent[] = [];
    let env: Awaited<ReturnType<typeof makeSource>>;

    const startAgent = async (nodeName: string) => {
      const { options } = parseFlags([
        '--cluster-asn=64512', `--bgp-port=${port}`, '--dry-run', '--health-port=0', '--api-port=0',
        `--peer-router-ips=${TOR}`, `--peer-router-asns=${TOR_ASN}`, `--peer-router-ports=${port}`,
        '--advertise-external-ip', '--service-external-ip-range=198.51.100.0/24',
      ]);
      const agent = new KrouteAgent(options, { source: env.sourceFor(), log: silentLogger, nodeName, version: 'test', connectRetrySeconds: 1 });
      await agent.start();
      agents.push(agent);
      return agent;
    };

    before(async () => {
      port = await freePort();
      env = await makeSource();
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-b', B, '10.244.2.0/24')]);
      tor = new BgpSpeaker({ asn: TOR_ASN, routerId: TOR, listen: { addresses: [TOR], port } });
      await tor.start();
      for (const ip of [A, B, C]) tor.addPeer({ address: ip, port, asn: 64512, localAddress: TOR, connectRetry: { initialMs: 1000, maxMs: 4000 } });
      await startAgent('node-a');
      await startAgent('node-b');
    });
    after(async () => {
      for (const a of agents) await a.stop({ graceful: false });
      await tor?.stop();
      await env?.close();
    });

    it('builds the iBGP mesh and peers with the external router', async () => {
      await until('sessions', () => agents.every((a) => (a.speaker?.neighbors() ?? []).filter((n) => n.state === 'Established').length === 2));
      const a = agents[0]!.speaker!.neighbors().map((n) => [n.address, n.type]).sort();
      assert.deepEqual(a, [[B, 'internal'], [TOR, 'external']]);
    });

    it('advertises pod CIDRs to the ToR (eBGP: our AS prepended) and to iBGP peers', async () => {
      await until('pod CIDRs at the ToR', () => torPaths(tor, '10.244.1.0/24').length === 1 && torPaths(tor, '10.244.2.0/24').length === 1);
      assert.deepEqual(torPaths(tor, '10.244.1.0/24'), [{ peer: A, asPath: [64512], communities: [] }]);
      await until('node-a learns node-b pod CIDR', () => [...agents[0]!.speaker!.locRib('ipv4-unicast', { prefix: '10.244.2.0/24' })].length === 1);
    });

    it('a new service VIP reaches the ToR from every node; never over iBGP', async () => {
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-b', B, '10.244.2.0/24'), service('web', '198.51.100.7')]);
      await until('VIP from both nodes', () => torPaths(tor, '198.51.100.7/32').length === 2);
      assert.deepEqual(torPaths(tor, '198.51.100.7/32').map((p) => p.peer), [A, B]);
      const bAtA = [...agents[0]!.speaker!.adjRibIn(B, 'ipv4-unicast')].map((r) => r.prefix);
      assert.deepEqual(bAtA, ['10.244.2.0/24'], 'node-b sends node-a its pod CIDR only');
    });

    it('externalTrafficPolicy: Local advertises only from the node with a ready endpoint', async () => {
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-b', B, '10.244.2.0/24'),
        service('web', '198.51.100.7', { externalTrafficPolicy: 'Local' }), slice('web', 'node-a')]);
      await until('VIP only from node-a', () => JSON.stringify(torPaths(tor, '198.51.100.7/32').map((p) => p.peer)) === JSON.stringify([A]));
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-b', B, '10.244.2.0/24'),
        service('web', '198.51.100.7', { externalTrafficPolicy: 'Local' }), slice('web', 'node-a', false)]);
      await until('VIP withdrawn when the endpoint is not ready', () => torPaths(tor, '198.51.100.7/32').length === 0);
    });

    it('an annotation change applies live, without a restart (kube-router #676)', async () => {
      await env.set([node('node-a', A, '10.244.1.0/24', { 'kube-router.io/node.bgp.communities': '65000:100', 'kube-router.io/path-prepend.as': '64512', 'kube-router.io/path-prepend.repeat-n': '2' }),
        node('node-b', B, '10.244.2.0/24')]);
      await until('community and prepend on node-a routes', () => {
        const p = torPaths(tor, '10.244.1.0/24')[0];
        return p && p.communities.includes('65000:100') && p.asPath.join(' ') === '64512 64512 64512';
      });
      const a = agents[0]!.speaker!.neighbor(TOR)!;
      assert.equal(a.state, 'Established', 'the session was not reset');
    });

    it('a bad annotation is reported and skipped; nothing else changes', async () => {
      await env.set([node('node-a', A, '10.244.1.0/24', { 'kube-router.io/node.bgp.communities': 'not-a-community' }), node('node-b', B, '10.244.2.0/24')]);
      await until('problem reported', () => agents[0]!.problems.some((p) => /node node-a: annotation kube-router.io\/node.bgp.communities: "not-a-community"/.test(p)));
      assert.equal(torPaths(tor, '10.244.1.0/24').length, 1);
    });

    it('peers come and go with nodes', async () => {
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-b', B, '10.244.2.0/24'), node('node-c', C, '10.244.3.0/24')]);
      await until('node-a peers with node-c', () => agents[0]!.speaker!.neighbors().some((n) => n.address === C));
      await env.set([node('node-a', A, '10.244.1.0/24'), node('node-c', C, '10.244.3.0/24')]);
      await until('node-a drops node-b', () => !agents[0]!.speaker!.neighbors().some((n) => n.address === B));
    });

    it('metrics move as peers come up and routes arrive', async () => {
      const text = await agents[0]!.metrics.text();
      assert.match(text, new RegExp(`kube_router_bgp_peer_info\\{address="${TOR.replace(/\./g, '\\.')}",type="external",asn="65000",state="established"\\} 1`));
      const received = Number(/kube_router_controller_bgp_advertisements_received (\d+)/.exec(text)?.[1] ?? 0);
      assert.ok(received >= 1, `advertisements received: ${received}`);
      assert.match(text, /kube_router_controller_bgp_advertisements_sent\{type="pod-route"\} [1-9]/);
      assert.match(text, /kroute_bgp_fsm_transitions_total\{peer="127\.0\.0\.33",from="OpenConfirm",to="Established"\} [1-9]/);
    });
  });
}

scenarios('Kubernetes list/watch', async () => {
  const api = new FakeApiServer();
  await api.start();
  const kinds: Record<string, 'nodes' | 'services' | 'endpointslices'> = { Node: 'nodes', Service: 'services', EndpointSlice: 'endpointslices' };
  let current = new Map<string, { kind: string; name: string; ns?: string }>();
  const sources: KubeClusterSource[] = [];
  return {
    sourceFor: () => {
      const s = new KubeClusterSource({ kubeConfig: api.kubeConfig() });
      sources.push(s);
      return s;
    },
    set: async (objs: unknown[]) => {
      const next = new Map<string, { kind: string; name: string; ns?: string }>();
      for (const o of objs as Array<{ kind: string; metadata: { name: string; namespace?: string } }>) {
        api.upsert(kinds[o.kind]!, o as never);
        next.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, { kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { ns: o.metadata.namespace } : {}) });
      }
      for (const [k, v] of current) if (!next.has(k)) api.remove(kinds[v.kind]!, v.name, v.ns);
      current = next;
    },
    close: async () => { await api.stop(); },
  };
});

scenarios('--cluster-state file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kroute-agent-'));
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, '');
  return {
    sourceFor: () => new FileClusterSource(file),
    set: async (objs: unknown[]) => {
      writeFileSync(join(dir, 'next'), objs.map((o) => stringify(o)).join('---\n'));
      renameSync(join(dir, 'next'), file);
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
