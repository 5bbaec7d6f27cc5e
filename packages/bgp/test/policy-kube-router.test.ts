// kube-router's exact import and export policies (reference/kube-router.md §1.6), evaluated on sample routes
// through the whole RIB: what a node sends its iBGP mesh and its external peers, and what it accepts.
import assert from 'node:assert/strict';
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import type { Family } from '../src/wire/types.js';
import { Rib, formatPrefix, parsePrefix, type OutboundUpdate, type RouteAttributes } from '../src/rib/index.js';
import { formatCommunity, kubeRouterPolicies, type KubeRouterPolicyInput } from '../src/policy/index.js';

const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';
const CLUSTER_AS = 64512;
const SELF = '192.168.1.10';
const NODE_B = '192.168.1.11';
const NODE_C = '192.168.1.12';
const EXTERNAL = '192.168.1.1';
const EXTERNAL_AS = 64999;
const seq = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });

const INPUT: KubeRouterPolicyInput = {
  podCidrs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
  serviceVips: ['10.96.0.10', '10.96.0.1', 'fd00:10:96::a'],
  customImportReject: ['10.10.0.0/16'],
  nodeIps: [SELF, NODE_B, NODE_C],
  externalPeers: [EXTERNAL],
  enableIbgp: true,
  advertisePodCidr: true,
  overrideNextHop: true,
  pathPrepend: { asn: CLUSTER_AS, repeat: 2 },
  communities: ['64512:100', 'no-export'],
};

function announced(u: OutboundUpdate | null): Map<string, RouteAttributes> {
  const m = new Map<string, RouteAttributes>();
  for (const g of u?.announced ?? []) for (const p of g.prefixes) m.set(formatPrefix(p), g.attrs.attrs);
  return m;
}

function node(input: KubeRouterPolicyInput = INPUT): Rib {
  const rib = new Rib({ asn: CLUSTER_AS, routerId: SELF, policy: kubeRouterPolicies(input) });
  for (const [address, asn, id] of [
    [NODE_B, CLUSTER_AS, 11],
    [NODE_C, CLUSTER_AS, 12],
    [EXTERNAL, EXTERNAL_AS, 1],
  ] as const) {
    rib.addPeer({ address, asn });
    rib.peerUp(address, { routerId: id, localAddress: SELF, localAddressV6: 'fd00::10' });
  }
  // What kube-router advertises itself: pod CIDRs and service VIPs, next hop = node IP, ORIGIN IGP.
  rib.originate(V4, parsePrefix('10.244.1.0/24'), { nextHop: SELF });
  rib.originate(V6, parsePrefix('fd00:10:244:1::/64'), { nextHop: 'fd00::10' });
  rib.originate(V4, parsePrefix('10.96.0.10/32'), { nextHop: SELF });
  rib.originate(V4, parsePrefix('10.96.0.1/32'), { nextHop: SELF });
  rib.originate(V6, parsePrefix('fd00:10:96::a/128'), { nextHop: 'fd00::10' });
  return rib;
}

describe('policy: kube-router policies (§1.6)', () => {
  it('builds the exact defined sets, statement names and default actions', () => {
    const p = kubeRouterPolicies(INPUT);
    const ps = p.definedSets!.prefixSets!;
    assert.deepEqual(ps['podcidrdefinedset'], [{ prefix: '10.244.1.0/24', masklenMin: 24, masklenMax: 24 }]);
    assert.deepEqual(ps['podcidrdefinedsetv6'], [{ prefix: 'fd00:10:244:1::/64', masklenMin: 64, masklenMax: 64 }]);
    assert.deepEqual(ps['servicevipsdefinedset'], [
      { prefix: '10.96.0.10/32', masklenMin: 32, masklenMax: 32 },
      { prefix: '10.96.0.1/32', masklenMin: 32, masklenMax: 32 },
    ]);
    assert.deepEqual(ps['defaultroutedefinedset'], [{ prefix: '0.0.0.0/0', masklenMin: 0, masklenMax: 0 }]);
    assert.deepEqual(ps['defaultroutedefinedsetv6'], [{ prefix: '::/0', masklenMin: 0, masklenMax: 0 }]);
    assert.deepEqual(ps['customimportrejectdefinedset'], [{ prefix: '10.10.0.0/16', masklenMin: 16, masklenMax: 32 }]);
    const ns = p.definedSets!.neighborSets!;
    assert.deepEqual(ns['iBGPpeerset'], [`${SELF}/32`, `${NODE_B}/32`, `${NODE_C}/32`], 'self included');
    assert.deepEqual(ns['externalpeerset'], [`${EXTERNAL}/32`]);
    assert.deepEqual(ns['allpeerset'], [`${EXTERNAL}/32`, `${SELF}/32`, `${NODE_B}/32`, `${NODE_C}/32`]);
    const exp = p.policies!.find((x) => x.name === 'kube_router_export1')!;
    assert.deepEqual(
      exp.statements.map((s) => s.name),
      [
        'podcidrdefinedsetiBGPpeerset',
        'podcidrdefinedsetv6iBGPpeerset',
        'servicevipsdefinedsetexternalpeerset',
        'servicevipsdefinedsetv6externalpeerset',
        'podcidrdefinedsetexternalpeerset',
        'podcidrdefinedsetv6externalpeerset',
      ],
    );
    assert.equal(exp.statements[1]!.conditions!.neighborSet!.name, 'iBGPpeerset', 'v4 neighbour set for the v6 pod CIDR too');
    assert.deepEqual(exp.statements[2]!.actions, {
      route: 'accept',
      asPrepend: { asn: CLUSTER_AS, repeat: 2 },
      community: { operation: 'add', communities: ['64512:100', 'no-export'] },
      nextHop: 'self',
    });
    const imp = p.policies!.find((x) => x.name === 'kube_router_import1')!;
    assert.deepEqual(
      imp.statements.map((s) => s.name),
      [
        'servicevipsdefinedsetallpeerset',
        'servicevipsdefinedsetv6allpeerset',
        'defaultroutedefinedsetallpeerset',
        'defaultroutedefinedsetv6allpeerset',
        'customimportrejectdefinedsetallpeerset',
      ],
      'empty sets (customimportrejectdefinedsetv6, allpeersetv6) are never referenced',
    );
    assert.ok(imp.statements.every((s) => s.actions?.route === 'reject'));
    assert.deepEqual(p.export, { policies: ['kube_router_export1'], defaultAction: 'reject' });
    assert.deepEqual(p.import, { policies: ['kube_router_import1'], defaultAction: 'accept' });
  });

  it('export: iBGP peers get the pod CIDRs only; external peers get VIPs and pod CIDRs with prepend, communities, next hop self', () => {
    const rib = node();
    const toB4 = announced(rib.collect(NODE_B, V4));
    assert.deepEqual([...toB4.keys()], ['10.244.1.0/24'], 'VIPs are never sent to iBGP peers');
    assert.equal(toB4.get('10.244.1.0/24')!.nextHop, SELF);
    assert.equal(toB4.get('10.244.1.0/24')!.localPref, 100);
    assert.deepEqual([...announced(rib.collect(NODE_B, V6)).keys()], ['fd00:10:244:1::/64']);
    const ext4 = announced(rib.collect(EXTERNAL, V4));
    assert.deepEqual([...ext4.keys()].sort(), ['10.244.1.0/24', '10.96.0.1/32', '10.96.0.10/32']);
    for (const a of ext4.values()) {
      assert.deepEqual(a.asPath, [seq(CLUSTER_AS, CLUSTER_AS, CLUSTER_AS)], 'our AS + 2 prepends');
      assert.deepEqual(a.communities!.map(formatCommunity), ['64512:100', '65535:65281']);
      assert.equal(a.nextHop, SELF);
      assert.equal(a.localPref, undefined);
    }
    assert.deepEqual([...announced(rib.collect(EXTERNAL, V6)).keys()].sort(), ['fd00:10:244:1::/64', 'fd00:10:96::a/128']);
  });

  it('export: without --advertise-pod-cidr external peers get only VIPs; routes learned from peers are not re-exported', () => {
    const rib = node({ ...INPUT, advertisePodCidr: false });
    rib.receive(NODE_B, V4, [parsePrefix('10.244.2.0/24')], { origin: Origin.IGP, asPath: [], nextHop: NODE_B, localPref: 100 });
    rib.receive(EXTERNAL, V4, [parsePrefix('172.16.0.0/16')], { origin: Origin.IGP, asPath: [seq(EXTERNAL_AS)], nextHop: EXTERNAL });
    assert.deepEqual([...announced(rib.collect(EXTERNAL, V4)).keys()].sort(), ['10.96.0.1/32', '10.96.0.10/32']);
    assert.deepEqual([...announced(rib.collect(NODE_C, V4)).keys()], ['10.244.1.0/24'], 'default reject stops learned routes');
  });

  it('import: VIPs, default routes and custom-reject ranges (with more-specifics) are refused; the rest is accepted', () => {
    const rib = node();
    const from = (peer: string, prefix: string, asPath: number[] = []) =>
      rib.receive(peer, prefix.includes(':') ? V6 : V4, [parsePrefix(prefix)], { origin: Origin.IGP, asPath: [seq(...asPath)], nextHop: peer });
    const has = (prefix: string) => rib.bestPath(prefix.includes(':') ? V6 : V4, parsePrefix(prefix)).candidates.some((p) => !p.peer.local);
    from(NODE_B, '10.244.2.0/24');
    from(NODE_B, '10.96.0.10/32');
    from(EXTERNAL, '0.0.0.0/0', [EXTERNAL_AS]);
    from(EXTERNAL, '10.10.0.0/16', [EXTERNAL_AS]);
    from(EXTERNAL, '10.10.5.0/24', [EXTERNAL_AS]);
    from(EXTERNAL, '10.11.0.0/16', [EXTERNAL_AS]);
    from(EXTERNAL, '172.16.0.0/12', [EXTERNAL_AS]);
    assert.ok(has('10.244.2.0/24'), "another node's pod CIDR is accepted (and would be injected)");
    assert.ok(!has('10.96.0.10/32'), 'a VIP is refused: every node originates it itself');
    assert.ok(!has('0.0.0.0/0'));
    assert.ok(!has('10.10.0.0/16'));
    assert.ok(!has('10.10.5.0/24'), 'custom reject covers more-specifics');
    assert.ok(has('10.11.0.0/16'));
    assert.ok(has('172.16.0.0/12'));
    assert.equal(rib.adjRibInSize(EXTERNAL, V4), 5, 'refused routes stay in Adj-RIB-In pre-policy');
  });

  it('import: the IPv6 default route is refused too (issue #2091)', () => {
    const rib = node({ ...INPUT, nodeIps: [SELF, NODE_B, 'fd00::11'] });
    rib.receive(NODE_B, V6, [parsePrefix('::/0')], { origin: Origin.IGP, asPath: [], nextHop: 'fd00::11' });
    rib.receive(NODE_B, V6, [parsePrefix('fd00:10:244:2::/64')], { origin: Origin.IGP, asPath: [], nextHop: 'fd00::11' });
    assert.equal(rib.bestPath(V6, parsePrefix('::/0')).best, undefined);
    assert.ok(rib.bestPath(V6, parsePrefix('fd00:10:244:2::/64')).best);
  });

  it('a new VIP re-sends only that prefix; a removed one is withdrawn (policy update without reset)', () => {
    const rib = node();
    rib.collect(EXTERNAL, V4);
    rib.collect(NODE_B, V4);
    rib.originate(V4, parsePrefix('10.96.0.20/32'), { nextHop: SELF });
    assert.equal(rib.collect(EXTERNAL, V4), null, 'not in servicevipsdefinedset yet: default reject');
    rib.setPolicy(kubeRouterPolicies({ ...INPUT, serviceVips: [...INPUT.serviceVips, '10.96.0.20'] }));
    assert.deepEqual([...announced(rib.collect(EXTERNAL, V4)).keys()], ['10.96.0.20/32']);
    assert.equal(rib.collect(NODE_B, V4), null, 'iBGP peers see no change');
    rib.setPolicy(kubeRouterPolicies({ ...INPUT, serviceVips: ['10.96.0.1', 'fd00:10:96::a', '10.96.0.20'] }));
    const out = rib.collect(EXTERNAL, V4)!;
    assert.deepEqual(out.withdrawn.map(formatPrefix), ['10.96.0.10/32']);
    assert.equal(out.announced.length, 0);
  });

  it('a route-reflector server has no policies: everything is accepted and reflected', () => {
    const p = kubeRouterPolicies({ ...INPUT, routeReflectorServer: true });
    assert.deepEqual(p, {});
    const rib = new Rib({ asn: CLUSTER_AS, routerId: SELF, clusterId: '10.0.0.1', policy: p });
    rib.addPeer({ address: NODE_B, asn: CLUSTER_AS, routeReflectorClient: true });
    rib.addPeer({ address: NODE_C, asn: CLUSTER_AS, routeReflectorClient: true });
    rib.peerUp(NODE_B, { routerId: 11, localAddress: SELF });
    rib.peerUp(NODE_C, { routerId: 12, localAddress: SELF });
    rib.collect(NODE_C, V4);
    rib.receive(NODE_B, V4, [parsePrefix('10.244.2.0/24')], { origin: Origin.IGP, asPath: [], nextHop: NODE_B });
    const a = announced(rib.collect(NODE_C, V4)).get('10.244.2.0/24')!;
    assert.equal(a.nextHop, NODE_B);
    assert.equal(a.originatorId, 11);
    assert.deepEqual(a.clusterList, [0x0a000001]);
  });
});
