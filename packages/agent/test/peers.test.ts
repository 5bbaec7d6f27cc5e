import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { desiredPeers, parseClusterId, parseUintBase0, peersFromAnnotations, PeerIntentError, type PeerIntentOptions } from '../src/controllers/peers.js';
import { AnnotationError } from '../src/controllers/annotations.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function node(name: string, ip: string, annotations: Record<string, string> = {}, extraIps: string[] = []): V1Node {
  return {
    metadata: { name, annotations },
    status: { addresses: [{ type: 'InternalIP', address: ip }, ...extraIps.map((address) => ({ type: 'InternalIP', address }))] },
  };
}
const OPTS: PeerIntentOptions = {
  clusterAsn: 0, nodesFullMesh: true, enableIbgp: true, bgpPort: 179, bgpHoldtimeMs: 90_000, peerRouterMultihopTtl: 0,
  enableIpv4: true, enableIpv6: true, externalPeers: [],
};
const addrs = (i: { peers: readonly { address: string }[] }) => i.peers.map((p) => p.address).sort();

describe('peer intent', () => {
  it('parses numbers like Go ParseUint base 0 and cluster IDs as uint32 or IPv4', () => {
    assert.equal(parseUintBase0('64512'), 64512);
    assert.equal(parseUintBase0('0xfc00'), 64512);
    assert.equal(parseUintBase0('0o17'), 15);
    assert.equal(parseUintBase0('017'), 15);
    assert.equal(parseUintBase0('0b11'), 3);
    assert.equal(parseUintBase0('1_000'), 1000);
    assert.equal(parseUintBase0('x'), undefined);
    assert.equal(parseUintBase0('4294967296'), undefined);
    assert.equal(parseClusterId('42'), '0.0.0.42');
    assert.equal(parseClusterId('10.0.0.1'), '10.0.0.1');
    assert.equal(parseClusterId('fd00::1'), undefined);
  });

  it('full mesh: every other node, same family, cluster ASN 64512 by default, our AS as peer AS', () => {
    const nodes = [node('a', '10.0.0.1'), node('b', '10.0.0.2'), node('c', '10.0.0.3'), node('v6', 'fd00::4')];
    const intent = desiredPeers(nodes, nodes[0]!, OPTS);
    assert.equal(intent.localAsn, 64512);
    assert.deepEqual(addrs(intent), ['10.0.0.2', '10.0.0.3']);
    for (const p of intent.peers) {
      assert.equal(p.asn, 64512);
      assert.equal(p.type, 'internal');
      assert.equal(p.localAddress, '10.0.0.1');
      assert.deepEqual(p.families, ['ipv4-unicast']);
    }
  });

  it('families come from the peer node: dual-stack peers get both', () => {
    const nodes = [node('a', '10.0.0.1', {}, ['fd00::1']), node('b', '10.0.0.2', {}, ['fd00::2'])];
    assert.deepEqual(desiredPeers(nodes, nodes[0]!, OPTS).peers[0]!.families, ['ipv4-unicast', 'ipv6-unicast']);
    assert.deepEqual(desiredPeers(nodes, nodes[0]!, { ...OPTS, enableIpv6: false }).peers[0]!.families, ['ipv4-unicast']);
  });

  it('without full mesh: node.asn is required, and only nodes with the same ASN are peers', () => {
    const nodes = [
      node('a', '10.0.0.1', { 'kube-router.io/node.asn': '65001' }),
      node('b', '10.0.0.2', { 'kube-router.io/node.asn': '0xFDE9' }), // 65001 in hex
      node('c', '10.0.0.3', { 'kube-router.io/node.asn': '65002' }),
      node('d', '10.0.0.4'),
    ];
    const intent = desiredPeers(nodes, nodes[0]!, { ...OPTS, nodesFullMesh: false });
    assert.equal(intent.localAsn, 65001);
    assert.deepEqual(addrs(intent), ['10.0.0.2']);
    assert.throws(() => desiredPeers(nodes, nodes[3]!, { ...OPTS, nodesFullMesh: false }), PeerIntentError);
  });

  it('route reflectors: clients peer only with servers; servers peer with everyone and mark clients', () => {
    const nodes = [
      node('rr', '10.0.0.1', { 'kube-router.io/rr.server': '42' }),
      node('c1', '10.0.0.2', { 'kube-router.io/rr.client': '42' }),
      node('c2', '10.0.0.3', { 'kube-router.io/rr.client': '42' }),
      node('plain', '10.0.0.4'),
    ];
    const server = desiredPeers(nodes, nodes[0]!, OPTS);
    assert.deepEqual(server.routeReflector, { role: 'server', clusterId: '0.0.0.42' });
    assert.deepEqual(server.peers.map((p) => [p.address, p.routeReflectorClient ?? false]).sort(),
      [['10.0.0.2', true], ['10.0.0.3', true], ['10.0.0.4', false]]);
    const client = desiredPeers(nodes, nodes[1]!, OPTS);
    assert.deepEqual(addrs(client), ['10.0.0.1']);
  });

  it('a bad cluster ID on our node stops BGP; on another node it is a skipped problem', () => {
    const bad = [node('a', '10.0.0.1', { 'kube-router.io/rr.server': 'not-an-id' }), node('b', '10.0.0.2')];
    assert.throws(() => desiredPeers(bad, bad[0]!, OPTS), /rr.server/);
    const intent = desiredPeers(bad, bad[1]!, OPTS);
    assert.deepEqual(addrs(intent), []);
    assert.equal(intent.problems.length, 1);
    assert.match(intent.problems[0]!.message, /node a: annotation kube-router.io\/rr.server/);
  });

  it('global external peers win over annotations; hold time, multihop and password applied', () => {
    const self = node('a', '10.0.0.1', { 'kube-router.io/peer.ips': '10.9.9.9', 'kube-router.io/peer.asns': '65100' });
    const intent = desiredPeers([self], self, {
      ...OPTS, bgpHoldtimeMs: 30_000, peerRouterMultihopTtl: 2,
      externalPeers: [{ address: '10.0.0.254', asn: 65000, port: 1179, password: 'pw' }],
    });
    assert.deepEqual(intent.peers, [{
      address: '10.0.0.254', port: 1179, asn: 65000, type: 'external', localAddress: '10.0.0.1', password: 'pw',
      multihopTtl: 2, holdTime: 30, families: ['ipv4-unicast'],
    }]);
  });

  it('external peers from the kube-router.io/peers YAML annotation', () => {
    const yaml = `- remoteip: 10.0.0.254\n  remoteasn: 65000\n  password: ${b64('s3cret')}\n  port: 1790\n  localip: 10.0.0.11\n- remoteip: 10.0.0.253\n  remoteasn: 65000\n`;
    const self = node('a', '10.0.0.1', { 'kube-router.io/peers': yaml }, ['10.0.0.11']);
    const peers = peersFromAnnotations(self);
    assert.deepEqual(peers, [
      { address: '10.0.0.254', asn: 65000, port: 1790, localAddress: '10.0.0.11', password: 's3cret' },
      { address: '10.0.0.253', asn: 65000 },
    ]);
  });

  it('deprecated individual annotations with count checks', () => {
    const ok = node('a', '10.0.0.1', {
      'kube-router.io/peer.ips': '10.0.0.254,10.0.0.253', 'kube-router.io/peer.asns': '65000,65001',
      'kube-router.io/peer.passwords': `${b64('x')},`, 'kube-router.io/peer.ports': '179,1179',
    });
    assert.deepEqual(peersFromAnnotations(ok), [
      { address: '10.0.0.254', asn: 65000, port: 179, password: 'x' },
      { address: '10.0.0.253', asn: 65001, port: 1179 },
    ]);
    const mismatch = node('a', '10.0.0.1', { 'kube-router.io/peer.ips': '10.0.0.254,10.0.0.253', 'kube-router.io/peer.asns': '65000,65001', 'kube-router.io/peer.ports': '179' });
    assert.throws(() => peersFromAnnotations(mismatch), (e: unknown) => e instanceof AnnotationError && e.annotation === 'kube-router.io/peer.ports');
    assert.deepEqual(peersFromAnnotations(node('a', '10.0.0.1', { 'kube-router.io/peer.ips': '10.0.0.254' })), [], 'ips without asns: no peers');
  });

  it('a bad peers annotation is reported and skipped; the mesh is unaffected', () => {
    const nodes = [node('a', '10.0.0.1', { 'kube-router.io/peers': '- remoteip: nope\n  remoteasn: 65000\n' }), node('b', '10.0.0.2')];
    const intent = desiredPeers(nodes, nodes[0]!, OPTS);
    assert.deepEqual(addrs(intent), ['10.0.0.2']);
    assert.match(intent.problems[0]!.message, /node a: annotation kube-router.io\/peers: peer 1: remoteip/);
  });

  it('listen addresses: annotation or the best IPv4 and IPv6', () => {
    const n = node('a', '10.0.0.1', {}, ['fd00::1']);
    assert.deepEqual(desiredPeers([n], n, OPTS).listenAddresses, ['10.0.0.1', 'fd00::1']);
    const ann = node('a', '10.0.0.1', { 'kube-router.io/bgp-local-addresses': '10.0.0.1, 127.0.0.1' });
    assert.deepEqual(desiredPeers([ann], ann, OPTS).listenAddresses, ['10.0.0.1', '127.0.0.1']);
  });

  it('iBGP disabled: external peers only', () => {
    const nodes = [node('a', '10.0.0.1'), node('b', '10.0.0.2')];
    const intent = desiredPeers(nodes, nodes[0]!, { ...OPTS, enableIbgp: false, externalPeers: [{ address: '10.0.0.254', asn: 65000, port: 179 }] });
    assert.deepEqual(addrs(intent), ['10.0.0.254']);
  });
});
