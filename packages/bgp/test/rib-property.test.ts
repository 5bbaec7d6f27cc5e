// Property: after any sequence of announcements, withdrawals, flushes and partial collects, the incrementally
// maintained Loc-RIB equals a from-scratch decision over the accepted paths, the monitor's Adj-RIB-Out equals what
// export of those best paths gives, the best-path feed ends at the same state, and no prefix index leaks.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import { Rib, formatPrefix, parsePrefix, selectBest, type Path, type PrefixKey, type RouteAttributes } from '../src/rib/index.js';

const V4 = 'ipv4-unicast' as const;
const PEERS = [
  { address: '192.0.2.1', asn: 65001, routerId: 3 },
  { address: '192.0.2.2', asn: 65002, routerId: 2 },
  { address: '10.0.0.2', asn: 65000, routerId: 1 },
];
const MONITOR = { address: '198.51.100.1', asn: 65003 };
const PREFIXES: PrefixKey[] = Array.from({ length: 3 }, (_, i) => parsePrefix(`10.${i}.0.0/16`));

/** Four attribute variants per peer, so that every peer sometimes wins and sometimes loses. */
function variant(peer: number, v: number): RouteAttributes {
  const first = peer === 2 ? 65010 : PEERS[peer]!.asn; // the iBGP peer relays a route from AS 65010
  return {
    origin: Origin.IGP,
    asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: v % 2 === 0 ? [first] : [first, 64999] }],
    nextHop: PEERS[peer]!.address,
    ...(v >= 2 ? { med: v * 10 } : {}),
    ...(peer === 2 ? { localPref: [50, 100, 100, 200][v]! } : {}),
  };
}

type Op =
  | { kind: 'announce'; peer: number; prefix: number; v: number }
  | { kind: 'withdraw'; peer: number; prefix: number }
  | { kind: 'flush'; peer: number }
  | { kind: 'collect'; limit: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('announce' as const), peer: fc.nat(2), prefix: fc.nat(2), v: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), peer: fc.nat(2), prefix: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const), peer: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('collect' as const), limit: fc.integer({ min: 1, max: 8 }) }) },
);

describe('rib: incremental state equals a from-scratch computation (property)', () => {
  it('holds for random operation sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const rib = new Rib({ asn: 65000, routerId: '10.0.0.1' });
        for (const p of [...PEERS, MONITOR]) rib.addPeer({ address: p.address, asn: p.asn });
        for (const p of PEERS) rib.peerUp(p.address, { routerId: p.routerId, localAddress: '10.0.0.1' });
        rib.peerUp(MONITOR.address, { routerId: 9, localAddress: '198.51.100.254' });
        const sent = new Map<string, RouteAttributes>();
        const events = new Map<string, string | undefined>();
        const apply = (u: ReturnType<Rib['collect']>): void => {
          for (const w of u?.withdrawn ?? []) {
            assert.ok(sent.delete(formatPrefix(w)), `withdrew ${formatPrefix(w)} that was never sent`);
          }
          for (const g of u?.announced ?? []) for (const k of g.prefixes) sent.set(formatPrefix(k), g.attrs.attrs);
        };
        for (const op of ops) {
          const peer = 'peer' in op ? PEERS[op.peer]!.address : '';
          if (op.kind === 'announce') rib.receive(peer, V4, [PREFIXES[op.prefix]!], variant(op.peer, op.v));
          else if (op.kind === 'withdraw') rib.withdraw(peer, V4, [PREFIXES[op.prefix]!]);
          else if (op.kind === 'flush') {
            rib.peerDown(peer);
            rib.peerUp(peer, { routerId: PEERS[op.peer]!.routerId, localAddress: '10.0.0.1' });
          } else apply(rib.collect(MONITOR.address, V4, op.limit));
          rib.drainBestPathChanges(V4, (k, best) => events.set(formatPrefix(k), best?.peer.address));
          for (const key of PREFIXES) {
            const text = formatPrefix(key);
            assert.equal(events.get(text), rib.bestPath(V4, key).best?.peer.address, `${text}: best-path feed after ${op.kind}`);
          }
        }
        while (rib.hasPending(MONITOR.address)) {
          apply(rib.collect(MONITOR.address, V4));
          rib.collect(MONITOR.address, 'ipv6-unicast');
        }
        for (const key of PREFIXES) {
          const text = formatPrefix(key);
          const { best, candidates, ecmp } = rib.bestPath(V4, key);
          const fresh: Path[] = [...candidates];
          const n = selectBest(fresh);
          assert.equal(best, fresh[0], `${text}: incremental best differs from a fresh decision`);
          assert.equal(ecmp.length, n, `${text}: ECMP size`);
          assert.equal(events.get(text), best?.peer.address, `${text}: best-path feed`);
          const out = sent.get(text);
          if (best === undefined) assert.equal(out, undefined, `${text}: withdrawn from the monitor`);
          else {
            assert.ok(out, `${text}: sent to the monitor`);
            assert.equal(out.nextHop, '198.51.100.254');
            assert.deepEqual(out.asPath![0]!.asns, [65000, ...(best.attrs!.attrs.asPath![0]?.asns ?? [])]);
            assert.equal(out.med, undefined);
          }
        }
        for (const p of PEERS) rib.removePeer(p.address);
        apply(rib.collect(MONITOR.address, V4));
        rib.drainBestPathChanges(V4, () => undefined);
        assert.equal(sent.size, 0);
        assert.equal(rib.indexSize(V4), 0, 'prefix indices leaked');
      }),
      { numRuns: 300 },
    );
  });
});
