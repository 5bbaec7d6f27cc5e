import assert from 'node:assert/strict';
import {
  canonicalAddress,
  EBGP_DEFAULT_TTL,
  IBGP_TTL,
  ipFamily,
  TransportConfigError,
  ttlSettings,
} from '../src/transport/index.js';

describe('transport: TTL policy (pure)', () => {
  const cases: { name: string; config: Parameters<typeof ttlSettings>[0]; ttl: number; minTtl: number }[] = [
    { name: 'eBGP default: TTL 1, no minimum', config: { peerType: 'external' }, ttl: 1, minTtl: 0 },
    { name: 'iBGP: TTL 255', config: { peerType: 'internal' }, ttl: 255, minTtl: 0 },
    { name: 'eBGP multihop 2', config: { peerType: 'external', multihopTtl: 2 }, ttl: 2, minTtl: 0 },
    { name: 'eBGP multihop 255', config: { peerType: 'external', multihopTtl: 255 }, ttl: 255, minTtl: 0 },
    { name: 'iBGP multihop 5 overrides 255', config: { peerType: 'internal', multihopTtl: 5 }, ttl: 5, minTtl: 0 },
    { name: 'GTSM 1 hop (RFC 5082): 255 / 255', config: { peerType: 'external', ttlSecurity: 1 }, ttl: 255, minTtl: 255 },
    { name: 'GTSM 2 hops: 255 / 254', config: { peerType: 'external', ttlSecurity: 2 }, ttl: 255, minTtl: 254 },
    { name: 'GTSM 254 hops: 255 / 2', config: { peerType: 'internal', ttlSecurity: 254 }, ttl: 255, minTtl: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(ttlSettings(c.config), { ttl: c.ttl, minTtl: c.minTtl });
    });
  }

  it('names its defaults', () => {
    assert.equal(EBGP_DEFAULT_TTL, 1);
    assert.ok(IBGP_TTL >= 64);
  });

  for (const bad of [
    { peerType: 'external' as const, multihopTtl: 0 },
    { peerType: 'external' as const, multihopTtl: 256 },
    { peerType: 'external' as const, multihopTtl: 1.5 },
    { peerType: 'external' as const, ttlSecurity: 0 },
    { peerType: 'external' as const, ttlSecurity: 255 },
    { peerType: 'external' as const, multihopTtl: 2, ttlSecurity: 1 },
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => ttlSettings(bad), TransportConfigError);
    });
  }
});

describe('transport: address canonicalisation (pure)', () => {
  it('maps IPv4-mapped IPv6 to IPv4 and compresses IPv6', () => {
    assert.equal(canonicalAddress('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalAddress('::FFFF:a00:1'), '10.0.0.1');
    assert.equal(canonicalAddress('FD99:0:0:0::1'), 'fd99::1');
    assert.equal(canonicalAddress('10.1.2.3'), '10.1.2.3');
    assert.equal(ipFamily('fd99::1'), 6);
    assert.equal(ipFamily('10.0.0.1'), 4);
    assert.equal(ipFamily('router.example'), null);
  });
  it('rejects non-addresses with a typed error', () => {
    assert.throws(() => canonicalAddress('peer1'), TransportConfigError);
  });
});
