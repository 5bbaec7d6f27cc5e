// Policy engine: conditions, actions, GoBGP statement semantics, default actions and RFC 8212.
import assert from 'node:assert/strict';
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../src/wire/constants.js';
import { AttrTable, Peer, RibError, parsePrefix, type RouteAttributes } from '../src/rib/index.js';
import {
  CompiledPrefixSet,
  Modified,
  PolicyEngine,
  parseCommunity,
  parseLargeCommunity,
  formatCommunity,
  type PolicyConfig,
  type Statement,
} from '../src/policy/index.js';

const LOCAL_AS = 65000;
const seq = (...asns: number[]) => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });
const table = new AttrTable();
const ebgp = new Peer({ address: '192.0.2.1', asn: 65001 }, LOCAL_AS);
const ibgp = new Peer({ address: '10.0.0.2', asn: LOCAL_AS }, LOCAL_AS);
const BASE: RouteAttributes = { origin: Origin.IGP, asPath: [seq(65001, 65100)], nextHop: '192.0.2.1' };
const attrs = (a: RouteAttributes = {}) => table.intern({ ...BASE, ...a });

function engineWith(statements: Statement[], extra: Partial<PolicyConfig> = {}, defaultAction: 'accept' | 'reject' = 'accept'): PolicyEngine {
  return new PolicyEngine(table, {
    definedSets: {
      prefixSets: {
        pods: [{ prefix: '10.244.0.0/16', masklenMin: 24, masklenMax: 24 }],
        vips: [{ prefix: '10.96.0.10/32' }, { prefix: '10.96.0.1/32' }],
        v6: [{ prefix: 'fd00::/8', masklenMin: 48, masklenMax: 64 }],
        dflt: [{ prefix: '0.0.0.0/0', masklenMin: 0, masklenMax: 0 }],
      },
      neighborSets: { internal: ['10.0.0.0/24'], one: ['192.0.2.1'] },
      communitySets: { c100: ['65000:100'], cre: ['^65001:.*$'], both: ['65000:100', '65000:200'] },
      largeCommunitySets: { l1: ['65000:1:1'] },
      asPathSets: { from65100: ['_65100$'], via65001: ['^65001_'] },
    },
    policies: [{ name: 'p', statements }],
    import: { policies: ['p'], defaultAction },
    export: { policies: ['p'], defaultAction },
    ...extra,
  });
}

function run(e: PolicyEngine, key: string, a = attrs(), peer = ebgp, dir: 'import' | 'export' = 'import') {
  const chain = e.chain(dir, peer);
  const k = parsePrefix(key);
  const out = chain.evaluate(typeof k === 'number' ? 'ipv4-unicast' : 'ipv6-unicast', k, a, peer.address, '198.51.100.1');
  return { out, chain };
}

describe('policy: prefix sets', () => {
  it('matches masklen ranges through per-length maps', () => {
    const s = new CompiledPrefixSet('s', [
      { prefix: '10.244.0.0/16', masklenMin: 24, masklenMax: 26 },
      { prefix: '10.0.0.0/8' },
      { prefix: '172.16.0.0/12', masklenMin: 12 },
    ]);
    assert.ok(s.matches(parsePrefix('10.244.3.0/24')));
    assert.ok(s.matches(parsePrefix('10.244.3.64/26')));
    assert.ok(!s.matches(parsePrefix('10.244.3.0/27')), 'longer than max');
    assert.ok(!s.matches(parsePrefix('10.244.0.0/16')), 'shorter than min');
    assert.ok(!s.matches(parsePrefix('10.245.0.0/24')), 'outside');
    assert.ok(s.matches(parsePrefix('10.0.0.0/8')), 'exact entry');
    assert.ok(!s.matches(parsePrefix('10.1.0.0/16')), 'exact entry does not cover more-specifics');
    assert.ok(s.matches(parsePrefix('172.20.1.1/32')), 'min without max reaches /32');
    assert.ok(!s.matches(parsePrefix('2001:db8::/32')), 'other family');
  });

  it('matches IPv6 ranges', () => {
    const s = new CompiledPrefixSet('s', [{ prefix: 'fd00:10:244::/48', masklenMin: 64, masklenMax: 64 }]);
    assert.ok(s.matches(parsePrefix('fd00:10:244:1::/64')));
    assert.ok(!s.matches(parsePrefix('fd00:10:245:1::/64')));
    assert.ok(!s.matches(parsePrefix('fd00:10:244:1::/80')));
  });

  it('rejects impossible ranges', () => {
    assert.throws(() => new CompiledPrefixSet('s', [{ prefix: '10.0.0.0/16', masklenMin: 8 }]), RibError);
    assert.throws(() => new CompiledPrefixSet('s', [{ prefix: '10.0.0.0/16', masklenMin: 20, masklenMax: 18 }]), RibError);
  });

  it('handles a large set (50,000 /32 VIPs)', () => {
    const entries = Array.from({ length: 50000 }, (_, i) => ({ prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32` }));
    const s = new CompiledPrefixSet('vips', entries);
    assert.ok(s.matches(parsePrefix('10.0.195.79/32')));
    assert.ok(!s.matches(parsePrefix('10.0.195.80/32')));
    assert.ok(!s.matches(parsePrefix('10.1.195.80/32')));
  });
});

describe('policy: conditions', () => {
  it('prefix set any / invert', () => {
    const e = engineWith([{ name: 's', conditions: { prefixSet: { name: 'pods' } }, actions: { route: 'reject' } }]);
    assert.equal(run(e, '10.244.1.0/24').out, null);
    assert.notEqual(run(e, '10.245.1.0/24').out, null);
    const inv = engineWith([{ name: 's', conditions: { prefixSet: { name: 'pods', match: 'invert' } }, actions: { route: 'reject' } }]);
    assert.notEqual(run(inv, '10.244.1.0/24').out, null);
    assert.equal(run(inv, '10.245.1.0/24').out, null);
  });

  it('neighbour sets with addresses and CIDRs; all conditions must hold', () => {
    const e = engineWith([
      { name: 's', conditions: { prefixSet: { name: 'pods' }, neighborSet: { name: 'internal' } }, actions: { route: 'reject' } },
    ]);
    assert.notEqual(run(e, '10.244.1.0/24', attrs(), ebgp).out, null, 'neighbour does not match');
    assert.equal(run(e, '10.244.1.0/24', attrs(), ibgp).out, null);
    assert.notEqual(run(e, '10.9.1.0/24', attrs(), ibgp).out, null, 'prefix does not match');
  });

  it('community sets: any, all, invert, regular expressions', () => {
    const c = (...xs: string[]) => attrs({ communities: xs.map(parseCommunity) });
    const any = engineWith([{ name: 's', conditions: { communitySet: { name: 'both' } }, actions: { route: 'reject' } }]);
    assert.equal(run(any, '10.1.0.0/16', c('65000:200')).out, null);
    assert.notEqual(run(any, '10.1.0.0/16', c('65000:300')).out, null);
    const all = engineWith([{ name: 's', conditions: { communitySet: { name: 'both', match: 'all' } }, actions: { route: 'reject' } }]);
    assert.notEqual(run(all, '10.1.0.0/16', c('65000:200')).out, null);
    assert.equal(run(all, '10.1.0.0/16', c('65000:200', '65000:100', '1:1')).out, null);
    const inv = engineWith([{ name: 's', conditions: { communitySet: { name: 'c100', match: 'invert' } }, actions: { route: 'reject' } }]);
    assert.equal(run(inv, '10.1.0.0/16', c('1:1')).out, null);
    assert.equal(run(inv, '10.1.0.0/16', attrs()).out, null, 'no communities: none matches');
    assert.notEqual(run(inv, '10.1.0.0/16', c('65000:100')).out, null);
    const re = engineWith([{ name: 's', conditions: { communitySet: { name: 'cre' } }, actions: { route: 'reject' } }]);
    assert.equal(run(re, '10.1.0.0/16', c('65001:7')).out, null);
    assert.notEqual(run(re, '10.1.0.0/16', c('65002:7')).out, null);
  });

  it('large community, AS-path regex, AS-path length / contains / origin, family', () => {
    const rej = (conditions: Statement['conditions']) => engineWith([{ name: 's', conditions, actions: { route: 'reject' } }]);
    const large = attrs({ largeCommunities: [parseLargeCommunity('65000:1:1')] });
    assert.equal(run(rej({ largeCommunitySet: { name: 'l1' } }), '10.1.0.0/16', large).out, null);
    assert.notEqual(run(rej({ largeCommunitySet: { name: 'l1' } }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ asPathSet: { name: 'from65100' } }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ asPathSet: { name: 'via65001' } }), '10.1.0.0/16').out, null);
    assert.notEqual(run(rej({ asPathSet: { name: 'via65001' } }), '10.1.0.0/16', attrs({ asPath: [seq(165001, 65100)] })).out, null, '_ is a boundary');
    assert.equal(run(rej({ asPathLength: { operator: 'eq', value: 2 } }), '10.1.0.0/16').out, null);
    assert.notEqual(run(rej({ asPathLength: { operator: 'ge', value: 3 } }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ asPathLength: { operator: 'le', value: 2 } }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ asPathContains: 65100 }), '10.1.0.0/16').out, null);
    assert.notEqual(run(rej({ asPathContains: 65200 }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ originAs: 65100 }), '10.1.0.0/16').out, null);
    assert.notEqual(run(rej({ originAs: 65001 }), '10.1.0.0/16').out, null);
    assert.equal(run(rej({ family: 'ipv6-unicast' }), 'fd00:1::/48').out, null);
    assert.notEqual(run(rej({ family: 'ipv6-unicast' }), '10.1.0.0/16').out, null);
  });

  it('unknown sets and policies are configuration errors', () => {
    assert.throws(() => engineWith([{ name: 's', conditions: { prefixSet: { name: 'nope' } } }]), /unknown prefix set "nope"/);
    assert.throws(() => new PolicyEngine(table, { import: { policies: ['missing'], defaultAction: 'accept' } }), /unknown policy "missing"/);
    assert.throws(() => engineWith([{ name: 's', actions: { community: { operation: 'add', communities: ['70000:1'] } } }]), RibError);
  });
});

describe('policy: actions and statement semantics', () => {
  it('add, remove and replace communities (well-known names accepted)', () => {
    const base = attrs({ communities: [parseCommunity('65000:1'), parseCommunity('65000:2')] });
    const act = (operation: 'add' | 'remove' | 'replace', communities: string[]) =>
      run(engineWith([{ name: 's', actions: { community: { operation, communities } } }]), '10.1.0.0/16', base).out!.attrs.communities?.map(formatCommunity);
    assert.deepEqual(act('add', ['65000:3', '65000:1']), ['65000:1', '65000:2', '65000:3']);
    assert.deepEqual(act('remove', ['65000:1']), ['65000:2']);
    assert.deepEqual(act('remove', ['^65000:.*']), undefined);
    assert.deepEqual(act('replace', ['no-export']), [formatCommunity(WellKnownCommunity.NO_EXPORT)]);
  });

  it('large communities, prepend, next hop self / address, LOCAL_PREF and MED', () => {
    const e = engineWith([
      {
        name: 's',
        actions: {
          largeCommunity: { operation: 'add', communities: ['65000:9:9'] },
          asPrepend: { asn: 65000, repeat: 3 },
          nextHop: 'self',
          localPref: 300,
          med: 42,
        },
      },
    ]);
    const { out, chain } = run(e, '10.1.0.0/16');
    const a = out!.attrs;
    assert.deepEqual(a.largeCommunities, [{ globalAdmin: 65000, localData1: 9, localData2: 9 }]);
    assert.deepEqual(a.asPath, [seq(65000, 65000, 65000, 65001, 65100)]);
    assert.equal(a.nextHop, '198.51.100.1');
    assert.equal(a.localPref, 300);
    assert.equal(a.med, 42);
    assert.equal(chain.modified, Modified.NEXT_HOP | Modified.MED | Modified.LOCAL_PREF);
    const addr = engineWith([{ name: 's', actions: { nextHop: '203.0.113.7', asPrepend: { asn: 'last-as', repeat: 2 } } }]);
    const b = run(addr, '10.1.0.0/16').out!.attrs;
    assert.equal(b.nextHop, '203.0.113.7');
    assert.deepEqual(b.asPath, [seq(65001, 65001, 65001, 65100)]);
  });

  it('a statement without a route action continues; the first route action decides; later conditions see changes', () => {
    const e = engineWith([
      { name: 'tag', conditions: { prefixSet: { name: 'pods' } }, actions: { community: { operation: 'add', communities: ['65000:100'] } } },
      { name: 'reject-tagged', conditions: { communitySet: { name: 'c100' } }, actions: { route: 'reject' } },
      { name: 'accept-all', actions: { route: 'accept', med: 7 } },
      { name: 'never', actions: { route: 'reject' } },
    ]);
    assert.equal(run(e, '10.244.1.0/24').out, null, 'tagged by the first statement, rejected by the second');
    const { out, chain } = run(e, '10.9.0.0/16');
    assert.equal(out!.attrs.med, 7);
    assert.equal(chain.decidedBy?.statement.name, 'accept-all');
  });

  it('applies the default action when nothing decides, per-peer policies first, per-peer default override', () => {
    const e = new PolicyEngine(table, {
      definedSets: { prefixSets: { x: [{ prefix: '10.1.0.0/16' }] } },
      policies: [
        { name: 'peer', statements: [{ name: 'ok', conditions: { prefixSet: { name: 'x' } }, actions: { route: 'accept', localPref: 50 } }] },
        { name: 'global', statements: [{ name: 'no', conditions: { prefixSet: { name: 'x' } }, actions: { route: 'reject' } }] },
      ],
      import: { policies: ['global'], defaultAction: 'reject' },
    });
    const plain = new Peer({ address: '192.0.2.9', asn: 65009 }, LOCAL_AS);
    const own = new Peer({ address: '192.0.2.8', asn: 65008, importPolicies: ['peer'], importDefault: 'accept' }, LOCAL_AS);
    const k = parsePrefix('10.1.0.0/16');
    const other = parsePrefix('10.2.0.0/16');
    assert.equal(e.chain('import', plain).evaluate('ipv4-unicast', k, attrs(), plain.address), null);
    assert.equal(e.chain('import', plain).evaluate('ipv4-unicast', other, attrs(), plain.address), null, 'global default reject');
    assert.equal(e.chain('import', own).evaluate('ipv4-unicast', k, attrs(), own.address)!.attrs.localPref, 50);
    assert.notEqual(e.chain('import', own).evaluate('ipv4-unicast', other, attrs(), own.address), null, 'peer default accept');
  });

  it('RFC 8212: off by default; when on, eBGP without policy gets nothing, iBGP is unaffected', () => {
    const none = new PolicyEngine(table, {});
    const k = parsePrefix('10.1.0.0/16');
    assert.notEqual(none.chain('import', ebgp).evaluate('ipv4-unicast', k, attrs(), ebgp.address), null);
    const strict = new PolicyEngine(table, { rfc8212: true });
    assert.equal(strict.chain('import', ebgp).evaluate('ipv4-unicast', k, attrs(), ebgp.address), null);
    assert.equal(strict.chain('export', ebgp).evaluate('ipv4-unicast', k, attrs(), ebgp.address), null);
    assert.notEqual(strict.chain('import', ibgp).evaluate('ipv4-unicast', k, attrs(), ibgp.address), null);
    const withPolicy = new PolicyEngine(table, {
      rfc8212: true,
      policies: [{ name: 'p', statements: [] }],
      import: { policies: ['p'], defaultAction: 'accept' },
    });
    assert.notEqual(withPolicy.chain('import', ebgp).evaluate('ipv4-unicast', k, attrs(), ebgp.address), null);
  });

  it('modifications are interned and cached: the same input gives the same attribute set object', () => {
    const e = engineWith([{ name: 's', actions: { community: { operation: 'add', communities: ['65000:5'] } } }]);
    const chain = e.chain('import', ebgp);
    const a = chain.evaluate('ipv4-unicast', parsePrefix('10.1.0.0/16'), attrs(), ebgp.address);
    const b = chain.evaluate('ipv4-unicast', parsePrefix('10.2.0.0/16'), attrs(), ebgp.address);
    assert.ok(a !== null && a === b);
    const fresh = e.chain('import', ebgp).evaluate('ipv4-unicast', parsePrefix('10.3.0.0/16'), attrs(), ebgp.address);
    assert.equal(fresh, a, 'interned across chains');
  });
});

describe('policy: community text', () => {
  it('parses numbers, a:b and names, and refuses out-of-range values', () => {
    assert.equal(parseCommunity('65000:100'), 65000 * 65536 + 100);
    assert.equal(parseCommunity('4259840100'), 4259840100);
    assert.equal(parseCommunity('no-export'), WellKnownCommunity.NO_EXPORT);
    assert.equal(parseCommunity('NO-ADVERTISE'), WellKnownCommunity.NO_ADVERTISE);
    for (const bad of ['65536:1', '1:65536', '4294967296', 'a:b', '']) assert.throws(() => parseCommunity(bad), RibError, bad);
    assert.deepEqual(parseLargeCommunity('4200000000:1:2'), { globalAdmin: 4200000000, localData1: 1, localData2: 2 });
    assert.throws(() => parseLargeCommunity('1:2'), RibError);
  });
});
