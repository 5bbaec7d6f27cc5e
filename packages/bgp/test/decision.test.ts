// The decision process, table-driven: one case per tie-breaker, each checked in both argument orders.
import assert from 'node:assert/strict';
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../src/wire/constants.js';
import { AttrTable, Path, Peer, explainPreference, selectBest, type DecisionOptions, type DecisionStep, type RouteAttributes } from '../src/rib/index.js';

const LOCAL_AS = 65000;
const table = new AttrTable();
const seq = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });
const set = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SET, asns });

interface PathDef {
  attrs?: RouteAttributes;
  peer?: string;
  asn?: number;
  routerId?: number;
  local?: boolean;
}

const BASE: RouteAttributes = { origin: Origin.IGP, asPath: [seq(65001, 65100)], nextHop: '192.0.2.1' };

function mk(d: PathDef): Path {
  const peer = new Peer({ address: d.peer ?? '192.0.2.1', asn: d.asn ?? 65001 }, LOCAL_AS, d.local === true);
  peer.routerId = d.routerId ?? 0x0a000001;
  const a = table.intern({ ...BASE, ...d.attrs });
  return new Path(peer, a, a, false, 0);
}

interface Case {
  name: string;
  better: PathDef;
  worse: PathDef;
  step: DecisionStep;
  opts?: DecisionOptions;
}

const cases: Case[] = [
  { name: 'a locally originated path beats a learned one', better: { local: true, attrs: { localPref: 100 } }, worse: { attrs: { localPref: 500 } }, step: 'local' },
  {
    name: 'a path without LLGR_STALE beats one with it, whatever LOCAL_PREF (RFC 9494 §4.3)',
    better: { attrs: { localPref: 10 } },
    worse: { attrs: { localPref: 500, communities: [WellKnownCommunity.LLGR_STALE] } },
    step: 'llgr-stale',
  },
  { name: 'higher LOCAL_PREF', better: { attrs: { localPref: 200 } }, worse: { attrs: { localPref: 100 } }, step: 'local-pref' },
  { name: 'missing LOCAL_PREF counts as 100', better: { attrs: { localPref: 101 } }, worse: {}, step: 'local-pref' },
  { name: 'shorter AS_PATH', better: { attrs: { asPath: [seq(65001)] } }, worse: { attrs: { asPath: [seq(65001, 65002)] } }, step: 'as-path-length' },
  {
    name: 'an AS_SET counts as one',
    better: { attrs: { asPath: [seq(65001, 65002), set(1, 2, 3, 4)] } },
    worse: { attrs: { asPath: [seq(65001, 65002, 65003, 65004)] } },
    step: 'as-path-length',
  },
  {
    name: 'confederation segments count zero (RFC 5065)',
    better: { attrs: { asPath: [{ type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [64601, 64602, 64603] }, seq(65001)] } },
    worse: { attrs: { asPath: [seq(65001, 65002)] } },
    step: 'as-path-length',
  },
  { name: 'lower ORIGIN (IGP < EGP)', better: { attrs: { origin: Origin.IGP } }, worse: { attrs: { origin: Origin.EGP } }, step: 'origin' },
  { name: 'lower ORIGIN (EGP < INCOMPLETE)', better: { attrs: { origin: Origin.EGP } }, worse: { attrs: { origin: Origin.INCOMPLETE } }, step: 'origin' },
  { name: 'lower MED from the same neighbour AS', better: { attrs: { med: 5 } }, worse: { attrs: { med: 10 }, routerId: 1 }, step: 'med' },
  { name: 'missing MED is 0 (RFC 4271 §9.1.2.2)', better: {}, worse: { attrs: { med: 10 }, routerId: 1 }, step: 'med' },
  {
    name: 'missing MED is worst when configured',
    better: { attrs: { med: 10 } },
    worse: { routerId: 1 },
    step: 'med',
    opts: { missingMedAsWorst: true },
  },
  {
    name: 'MED is not compared across neighbour ASes (router ID decides)',
    better: { attrs: { med: 50, asPath: [seq(65002, 65100)] }, asn: 65002, routerId: 1 },
    worse: { attrs: { med: 5 }, routerId: 2 },
    step: 'router-id',
  },
  {
    name: 'always-compare-med compares across ASes',
    better: { attrs: { med: 5 }, routerId: 2 },
    worse: { attrs: { med: 50, asPath: [seq(65002, 65100)] }, asn: 65002, routerId: 1 },
    step: 'med',
    opts: { alwaysCompareMed: true },
  },
  { name: 'eBGP over iBGP', better: { asn: 65001, routerId: 9 }, worse: { asn: LOCAL_AS, routerId: 1 }, step: 'ebgp-over-ibgp' },
  { name: 'lower router ID', better: { routerId: 1, peer: '192.0.2.9' }, worse: { routerId: 2, peer: '192.0.2.1' }, step: 'router-id' },
  {
    name: 'ORIGINATOR_ID stands in for the router ID (RFC 4456 §9)',
    better: { asn: LOCAL_AS, routerId: 9, attrs: { originatorId: 1 } },
    worse: { asn: LOCAL_AS, routerId: 2 },
    step: 'router-id',
  },
  {
    name: 'shorter CLUSTER_LIST (RFC 4456 §9)',
    better: { asn: LOCAL_AS, routerId: 2, attrs: { originatorId: 7, clusterList: [1] } },
    worse: { asn: LOCAL_AS, routerId: 3, attrs: { originatorId: 7, clusterList: [1, 2] } },
    step: 'cluster-list-length',
  },
  { name: 'lower peer address', better: { peer: '192.0.2.1' }, worse: { peer: '192.0.2.10' }, step: 'peer-address' },
  { name: 'an IPv4 peer address sorts before IPv6', better: { peer: '192.0.2.200' }, worse: { peer: '2001:db8::1' }, step: 'peer-address' },
];

describe('decision process (RFC 4271 §9.1.2 + tie-breakers)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const better = mk(c.better);
      const worse = mk(c.worse);
      for (const order of [
        [better, worse],
        [worse, better],
      ]) {
        const arr = [...order];
        selectBest(arr, c.opts);
        assert.equal(arr[0], better, `best in order ${order === arr ? '' : 'given'}`);
        const e = explainPreference(order[0]!, order[1]!, c.opts);
        assert.equal(e.winner, better);
        assert.equal(e.step, c.step);
      }
    });
  }

  it('reports equal paths as equal', () => {
    const a = mk({});
    const b = mk({});
    assert.deepEqual(explainPreference(a, b), { winner: null, step: 'equal' });
  });

  it('stale paths stay eligible with no penalty (RFC 4724 §4.2)', () => {
    const stale = mk({ attrs: { localPref: 200 } });
    stale.stale = true;
    const fresh = mk({ peer: '192.0.2.2' });
    const arr = [fresh, stale];
    selectBest(arr);
    assert.equal(arr[0], stale);
  });
});

describe('ECMP set', () => {
  it('holds the paths equal down to the router-ID step', () => {
    const a = mk({ peer: '192.0.2.3', routerId: 3 });
    const b = mk({ peer: '192.0.2.1', routerId: 1, attrs: { asPath: [seq(65001, 65200)], nextHop: '192.0.2.1' } });
    const c = mk({ peer: '192.0.2.2', routerId: 2, attrs: { nextHop: '192.0.2.2' } });
    const worseMed = mk({ peer: '192.0.2.4', routerId: 0, attrs: { med: 1 } });
    const ibgp = mk({ peer: '192.0.2.5', asn: LOCAL_AS, routerId: 0 });
    const arr = [a, worseMed, ibgp, b, c];
    const n = selectBest(arr);
    assert.equal(n, 3);
    assert.equal(arr[0], b, 'lowest router ID is best');
    assert.deepEqual(new Set(arr.slice(0, n)), new Set([a, b, c]));
  });

  it('is capped by maxEcmp', () => {
    const arr = [mk({ routerId: 3 }), mk({ routerId: 1 }), mk({ routerId: 2 })];
    assert.equal(selectBest(arr, { maxEcmp: 2 }), 2);
    assert.equal(arr[0]!.peer.routerId, 1);
  });

  it('MED elimination does not depend on the order of the candidates', () => {
    // A and B from AS 65001 (B has the lower MED), C from AS 65002: pairwise MED comparison is not transitive,
    // elimination per neighbour AS is.
    const A = mk({ routerId: 1, attrs: { med: 10 } });
    const B = mk({ routerId: 3, attrs: { med: 5 } });
    const C = mk({ routerId: 2, asn: 65002, attrs: { asPath: [seq(65002, 65100)], med: 0 } });
    const perms = [
      [A, B, C],
      [A, C, B],
      [B, A, C],
      [B, C, A],
      [C, A, B],
      [C, B, A],
    ];
    for (const p of perms) {
      const arr = [...p];
      const n = selectBest(arr);
      assert.equal(arr[0], C, 'C wins on router ID once A is eliminated by B');
      assert.equal(n, 2);
      assert.ok(!arr.slice(0, n).includes(A));
    }
  });
});
