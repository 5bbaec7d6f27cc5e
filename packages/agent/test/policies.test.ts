import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { kubeRouterPolicies, isValidCommunity, type PolicyInputs } from '../src/controllers/policies.js';

const self = (annotations: Record<string, string> = {}): V1Node => ({ metadata: { name: 'node-a', annotations } });
const BASE: PolicyInputs = {
  self: self(), primaryFamily: 4, podCidrs: ['10.244.0.0/24'], serviceVips: ['10.96.0.10', '192.0.2.10'],
  nodeIps: ['10.0.0.1', '10.0.0.2'], externalPeerIps: [], enableIbgp: true, advertisePodCidr: true, overrideNexthop: false,
  routeReflectorServer: false,
};

const stmts = (r: ReturnType<typeof kubeRouterPolicies>, policy: string) =>
  r.config.policies!.find((p) => p.name === policy)!.statements;

describe("kube-router's BGP policies on kroute's engine", () => {
  it('v4, iBGP only: pod CIDR to iBGP peers, nothing else exported; VIPs and default routes refused on import', () => {
    const r = kubeRouterPolicies(BASE);
    const sets = r.config.definedSets!;
    assert.deepEqual(sets.prefixSets!['podcidrdefinedset'], [{ prefix: '10.244.0.0/24', masklenMin: 24, masklenMax: 24 }]);
    assert.deepEqual(sets.prefixSets!['servicevipsdefinedset'], [
      { prefix: '10.96.0.10/32', masklenMin: 32, masklenMax: 32 }, { prefix: '192.0.2.10/32', masklenMin: 32, masklenMax: 32 }]);
    assert.deepEqual(sets.prefixSets!['defaultroutedefinedset'], [{ prefix: '0.0.0.0/0', masklenMin: 0, masklenMax: 0 }]);
    assert.deepEqual(sets.neighborSets!['iBGPpeerset'], ['10.0.0.1/32', '10.0.0.2/32'], 'includes self, as kube-router does');
    assert.deepEqual(sets.neighborSets!['allpeerset'], ['10.0.0.1/32', '10.0.0.2/32']);
    assert.deepEqual(sets.neighborSets!['externalpeerset'], [], 'empty, and never referenced');
    assert.deepEqual(stmts(r, 'kube_router_export1'), [{
      name: 'podcidrdefinedsetiBGPpeerset',
      conditions: { prefixSet: { name: 'podcidrdefinedset' }, neighborSet: { name: 'iBGPpeerset' } },
      actions: { route: 'accept' },
    }]);
    assert.deepEqual(r.config.export, { policies: ['kube_router_export1'], defaultAction: 'reject' });
    assert.deepEqual(stmts(r, 'kube_router_import1').map((s) => s.name), [
      'servicevipsdefinedsetallpeerset', 'defaultroutedefinedsetallpeerset', 'defaultroutedefinedsetv6allpeerset']);
    for (const s of stmts(r, 'kube_router_import1')) assert.deepEqual(s.actions, { route: 'reject' });
    assert.deepEqual(r.config.import, { policies: ['kube_router_import1'], defaultAction: 'accept' });
  });

  it('external peers: VIPs and (with --advertise-pod-cidr) the pod CIDR, with prepend, communities and next-hop-self', () => {
    const r = kubeRouterPolicies({
      ...BASE, externalPeerIps: ['10.0.0.254'], overrideNexthop: true,
      self: self({ 'kube-router.io/path-prepend.as': '65000', 'kube-router.io/path-prepend.repeat-n': '2', 'kube-router.io/node.bgp.communities': '65000:100, no-export, 4294967295, bad:x' }),
    });
    const ex = stmts(r, 'kube_router_export1');
    assert.deepEqual(ex.map((s) => s.name), ['podcidrdefinedsetiBGPpeerset', 'servicevipsdefinedsetexternalpeerset', 'podcidrdefinedsetexternalpeerset']);
    assert.deepEqual(ex[1]!.actions, {
      route: 'accept', asPrepend: { asn: 65000, repeat: 2 },
      community: { operation: 'add', communities: ['65000:100', 'no-export', '4294967295'] }, nextHop: 'self',
    });
    assert.deepEqual(ex[0]!.actions, { route: 'accept' }, 'no actions on the iBGP pod statement (next-hop-self not for iBGP since v2)');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /node-a: annotation kube-router.io\/node.bgp.communities: "bad:x"/);
    assert.deepEqual(r.config.definedSets!.neighborSets!['allpeerset'], ['10.0.0.254/32', '10.0.0.1/32', '10.0.0.2/32']);
    const noPod = kubeRouterPolicies({ ...BASE, externalPeerIps: ['10.0.0.254'], advertisePodCidr: false });
    assert.deepEqual(stmts(noPod, 'kube_router_export1').map((s) => s.name), ['podcidrdefinedsetiBGPpeerset', 'servicevipsdefinedsetexternalpeerset']);
  });

  it('path prepend needs both annotations', () => {
    const r = kubeRouterPolicies({ ...BASE, externalPeerIps: ['10.0.0.254'], self: self({ 'kube-router.io/path-prepend.as': '65000' }) });
    assert.equal(stmts(r, 'kube_router_export1')[1]!.actions!.asPrepend, undefined);
    assert.match(r.problems[0]!.message, /path-prepend.repeat-n/);
  });

  it('dual stack: v4 and v6 sets, every VIP set × external peer set combination', () => {
    const r = kubeRouterPolicies({
      ...BASE, podCidrs: ['10.244.0.0/24', 'fd00:244::/64'], serviceVips: ['10.96.0.10', 'fd96::10'],
      nodeIps: ['10.0.0.1', '10.0.0.2'], externalPeerIps: ['10.0.0.254', 'fd00::254'],
      self: self({ 'kube-router.io/node.bgp.customimportreject': '10.10.0.0/16, fd10::/48' }),
    });
    const ps = r.config.definedSets!.prefixSets!;
    assert.deepEqual(ps['podcidrdefinedsetv6'], [{ prefix: 'fd00:244::/64', masklenMin: 64, masklenMax: 64 }]);
    assert.deepEqual(ps['servicevipsdefinedsetv6'], [{ prefix: 'fd96::10/128', masklenMin: 128, masklenMax: 128 }]);
    assert.deepEqual(ps['customimportrejectdefinedset'], [{ prefix: '10.10.0.0/16', masklenMin: 16, masklenMax: 32 }]);
    assert.deepEqual(ps['customimportrejectdefinedsetv6'], [{ prefix: 'fd10::/48', masklenMin: 48, masklenMax: 128 }]);
    assert.deepEqual(r.config.definedSets!.neighborSets!['externalpeersetv6'], ['fd00::254/128']);
    assert.deepEqual(stmts(r, 'kube_router_export1').map((s) => s.name), [
      'podcidrdefinedsetiBGPpeerset', 'podcidrdefinedsetv6iBGPpeerset',
      'servicevipsdefinedsetexternalpeerset', 'servicevipsdefinedsetv6externalpeerset', 'podcidrdefinedsetexternalpeerset', 'podcidrdefinedsetv6externalpeerset',
      'servicevipsdefinedsetexternalpeersetv6', 'servicevipsdefinedsetv6externalpeersetv6', 'podcidrdefinedsetexternalpeersetv6', 'podcidrdefinedsetv6externalpeersetv6',
    ]);
    assert.deepEqual(stmts(r, 'kube_router_import1').map((s) => s.name), [
      'servicevipsdefinedsetallpeerset', 'servicevipsdefinedsetv6allpeerset', 'defaultroutedefinedsetallpeerset', 'defaultroutedefinedsetv6allpeerset', 'customimportrejectdefinedsetallpeerset', 'customimportrejectdefinedsetv6allpeerset',
      'servicevipsdefinedsetallpeersetv6', 'servicevipsdefinedsetv6allpeersetv6', 'defaultroutedefinedsetallpeersetv6', 'defaultroutedefinedsetv6allpeersetv6', 'customimportrejectdefinedsetallpeersetv6', 'customimportrejectdefinedsetv6allpeersetv6',
    ]);
  });

  it('IPv6-only nodes use the v6 iBGP peer set (kube-router names the empty v4 set)', () => {
    const r = kubeRouterPolicies({ ...BASE, primaryFamily: 6, podCidrs: ['fd00:244::/64'], serviceVips: [], nodeIps: ['fd00::1', 'fd00::2'] });
    assert.deepEqual(stmts(r, 'kube_router_export1').map((s) => s.name), ['podcidrdefinedsetv6iBGPpeersetv6']);
  });

  it('iBGP disabled: no iBGP peer set and no iBGP statement', () => {
    const r = kubeRouterPolicies({ ...BASE, enableIbgp: false, externalPeerIps: ['10.0.0.254'] });
    assert.deepEqual(r.config.definedSets!.neighborSets!['iBGPpeerset'], []);
    assert.deepEqual(stmts(r, 'kube_router_export1').map((s) => s.name), ['servicevipsdefinedsetexternalpeerset', 'podcidrdefinedsetexternalpeerset']);
  });

  it('route reflector servers get no policy at all', () => {
    assert.deepEqual(kubeRouterPolicies({ ...BASE, routeReflectorServer: true }).config, {});
  });

  it('validates communities like bgp.ValidateCommunity', () => {
    for (const ok of ['100', '4294967295', '65535:65535', 'no-export', 'no-advertise']) assert.ok(isValidCommunity(ok), ok);
    for (const bad of ['4294967296', '65536:1', 'a:b', 'no-such-name', '']) assert.ok(!isValidCommunity(bad), bad);
  });
});
