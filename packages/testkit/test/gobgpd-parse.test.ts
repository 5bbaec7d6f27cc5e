import assert from 'node:assert/strict';
import { normaliseState, parseNeighbors, parseRib } from '../src/index.js';

// Recorded from gobgp 3.10.0 (`gobgp global rib -a ipv4 -j`, `... -a ipv6 -j`, `gobgp neighbor -j`), trimmed.
const RIB_V4 =
  '{"10.50.0.0/24":[{"nlri":{"prefix":"10.50.0.0/24"},"age":1795438439,"best":true,"attrs":[{"type":1,"value":2},' +
  '{"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[65001]}]},{"type":3,"nexthop":"10.9.0.1"},{"type":4,"metric":10},' +
  '{"type":8,"communities":[4259840100]}],"stale":false,"source-id":"10.9.0.1","neighbor-ip":"10.9.0.1"}],' +
  '"10.51.0.0/24":[{"nlri":{"prefix":"10.51.0.0/24"},"age":1795438456,"best":true,"attrs":[{"type":1,"value":0},' +
  '{"type":2,"as_paths":[{"segment_type":2,"num":2,"asns":[65010,65011]},{"segment_type":1,"num":2,"asns":[65020,65021]}]},' +
  '{"type":5,"value":200},{"type":8,"communities":[4294967041]},{"type":32,"value":[{"ASN":65000,"LocalData1":1,"LocalData2":2}]},' +
  '{"type":9,"value":"10.7.1.2"},{"type":10,"value":["10.7.0.1"]},{"type":3,"nexthop":"10.9.0.1"}],"stale":true}]}';
const RIB_V6 =
  '{"fd50::/64":[{"nlri":{"prefix":"fd50::/64"},"age":1795438443,"best":true,"attrs":[{"type":1,"value":2},' +
  '{"type":2,"as_paths":[{"segment_type":2,"num":1,"asns":[65001]}]},{"type":14,"nexthop":"fd09::1","afi":2,"safi":1,' +
  '"value":[{"prefix":"fd50::/64"}]}],"stale":false,"source-id":"10.9.0.1","neighbor-ip":"fd09::1"}]}';
const NEIGHBORS =
  '[{"conf":{"auth_password":"pw","local_asn":65002,"neighbor_address":"10.9.0.1","peer_asn":65001,"type":1},' +
  '"ebgp_multihop":{},"route_reflector":{},"state":{"neighbor_address":"10.9.0.1","peer_asn":65001,"type":1,"session_state":6,' +
  '"router_id":"10.9.0.1"},"timers":{"config":{"connect_retry":1,"hold_time":9,"keepalive_interval":3,' +
  '"idle_hold_time_after_reset":30},"state":{"keepalive_interval":3,"negotiated_hold_time":9}},' +
  '"transport":{"local_address":"10.9.0.2"},"graceful_restart":{"enabled":true,"restart_time":30,"deferral_time":360},' +
  '"afi_safis":[{"config":{"family":{"afi":1,"safi":1},"enabled":true},"state":{"family":{"afi":1,"safi":1},"enabled":true,' +
  '"received":1,"accepted":1}}],"ttl_security":{}},' +
  '{"conf":{"local_asn":65002,"neighbor_address":"fd09::1","peer_asn":65001,"type":1},"state":{"session_state":3},' +
  '"transport":{"local_address":"::","passive_mode":true},"afi_safis":[{"config":{"family":{"afi":2,"safi":1},"enabled":true}}]}]';

describe('gobgp JSON parsers', () => {
  it('parses IPv4 RIB paths with every modelled attribute', () => {
    const [r1, r2] = parseRib(RIB_V4);
    assert.ok(r1 && r2);
    assert.deepEqual(
      { ...r1, raw: undefined },
      {
        prefix: '10.50.0.0/24',
        nextHop: '10.9.0.1',
        asPath: [65001],
        asPathSegments: [{ type: 'sequence', asns: [65001] }],
        origin: 'incomplete',
        med: 10,
        localPref: undefined,
        communities: ['65000:100'],
        largeCommunities: [],
        originatorId: undefined,
        clusterList: [],
        best: true,
        stale: false,
        neighbor: '10.9.0.1',
        since: new Date(1795438439_000),
        attributeTypes: [1, 2, 3, 4, 8],
        raw: undefined,
      },
    );
    assert.equal(r2.origin, 'igp');
    assert.deepEqual(r2.asPath, [65010, 65011, 65020, 65021]);
    assert.deepEqual(r2.asPathSegments.map((s) => s.type), ['sequence', 'set']);
    assert.equal(r2.localPref, 200);
    assert.deepEqual(r2.communities, ['65535:65281'], 'NO_EXPORT (RFC 1997) as asn:value');
    assert.deepEqual(r2.largeCommunities, ['65000:1:2']);
    assert.equal(r2.originatorId, '10.7.1.2');
    assert.deepEqual(r2.clusterList, ['10.7.0.1']);
    assert.equal(r2.stale, true);
    assert.equal(r2.neighbor, undefined, 'locally originated');
  });

  it('takes the IPv6 next hop from MP_REACH_NLRI', () => {
    const [r] = parseRib(RIB_V6);
    assert.equal(r?.nextHop, 'fd09::1');
    assert.equal(r?.prefix, 'fd50::/64');
  });

  it('treats empty output as an empty RIB', () => {
    assert.deepEqual(parseRib(''), []);
    assert.deepEqual(parseRib('{}'), []);
    assert.deepEqual(parseRib('null'), []);
  });

  it('parses neighbors and normalises their state', () => {
    const [up, down] = parseNeighbors(NEIGHBORS);
    assert.ok(up && down);
    assert.equal(up.state, 'established');
    assert.equal(up.address, '10.9.0.1');
    assert.equal(up.asn, 65001);
    assert.equal(up.localAsn, 65002);
    assert.equal(up.password, 'pw');
    assert.equal(up.negotiatedHoldTime, 9);
    assert.deepEqual(up.gracefulRestart, { restartTime: 30, deferralTime: 360, longLived: false });
    assert.deepEqual([up.received, up.accepted], [1, 1]);
    assert.deepEqual(up.families, ['ipv4-unicast']);
    assert.equal(down.state, 'active');
    assert.equal(down.passive, true);
    assert.deepEqual(down.families, ['ipv6-unicast']);
    assert.equal(down.gracefulRestart, undefined);
  });

  it('normalises states given as enum numbers or names', () => {
    assert.equal(normaliseState(1), 'idle');
    assert.equal(normaliseState(5), 'openconfirm');
    assert.equal(normaliseState('BGP_FSM_ESTABLISHED'), 'established');
    assert.equal(normaliseState('ACTIVE'), 'active');
    assert.equal(normaliseState('bogus'), 'unknown');
    assert.equal(normaliseState(undefined), 'unknown');
  });
});
