import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { nodeAddresses, nodePodCidrs, routerIdFor, RouterIdError } from '../src/controllers/node-identity.js';
import { AnnotationError } from '../src/controllers/annotations.js';

function node(addresses: Array<[string, string]>, extra: Partial<V1Node> = {}): V1Node {
  return { metadata: { name: 'n1', ...(extra.metadata ?? {}) }, spec: extra.spec ?? {}, status: { addresses: addresses.map(([type, address]) => ({ type, address })) } };
}

describe('node identity', () => {
  it('primary IP is the first InternalIP, else the first ExternalIP', () => {
    assert.equal(nodeAddresses(node([['ExternalIP', '1.1.1.1'], ['InternalIP', '10.0.0.2'], ['InternalIP', '10.0.0.3']])).primaryIp, '10.0.0.2');
    assert.equal(nodeAddresses(node([['Hostname', 'n1'], ['ExternalIP', '1.1.1.1']])).primaryIp, '1.1.1.1');
    assert.equal(nodeAddresses(node([['Hostname', 'n1']])).primaryIp, undefined);
  });

  it('best address per family: primary if it matches, else first internal, then external', () => {
    const a = nodeAddresses(node([['InternalIP', '10.0.0.2'], ['ExternalIP', '2001:db8::9'], ['InternalIP', 'fd00::2']]));
    assert.equal(a.bestIpv4, '10.0.0.2');
    assert.equal(a.bestIpv6, 'fd00::2');
    const b = nodeAddresses(node([['InternalIP', 'fd00::2'], ['ExternalIP', '192.0.2.1']]));
    assert.equal(b.bestIpv6, 'fd00::2');
    assert.equal(b.bestIpv4, '192.0.2.1');
  });

  it('pod CIDRs: the pod-cidrs annotation wins over spec, split by family', () => {
    const n = node([], { metadata: { name: 'n1', annotations: { 'kube-router.io/pod-cidrs': '10.1.0.0/24, fd01::/64' } }, spec: { podCIDRs: ['10.9.0.0/24'] } });
    assert.deepEqual(nodePodCidrs(n), { v4: ['10.1.0.0/24'], v6: ['fd01::/64'] });
    assert.deepEqual(nodePodCidrs(node([], { spec: { podCIDRs: ['10.9.0.0/24', 'fd09::/64'] } })), { v4: ['10.9.0.0/24'], v6: ['fd09::/64'] });
    assert.deepEqual(nodePodCidrs(node([], { metadata: { name: 'n1', annotations: { 'kube-router.io/pod-cidr': '10.7.0.0/24' } } })), { v4: ['10.7.0.0/24'], v6: [] });
  });

  it('a bad pod-cidrs annotation is an AnnotationError naming node and annotation', () => {
    const n = node([], { metadata: { name: 'n1', annotations: { 'kube-router.io/pod-cidrs': '10.1.0.0/99' } } });
    assert.throws(() => nodePodCidrs(n), (e: unknown) => e instanceof AnnotationError && /node n1.*kube-router.io\/pod-cidrs/.test(e.message));
  });

  it('router ID: explicit, generated (FNV-32a over the 16-byte IP, golden values from Python), or the IPv4 primary', () => {
    assert.equal(routerIdFor('1.2.3.4', '10.0.0.1'), '1.2.3.4');
    assert.equal(routerIdFor('generate', '10.0.0.1'), '0.15.248.254');
    assert.equal(routerIdFor('generate', '192.168.1.10'), '47.29.204.12');
    assert.equal(routerIdFor('generate', 'fd00::1'), '148.2.92.203');
    assert.equal(routerIdFor('', '10.0.0.1'), '10.0.0.1');
    assert.throws(() => routerIdFor('', 'fd00::1'), RouterIdError);
  });
});
