// Golden bytes: our encoder must produce exactly what iproute2 sends for the same command, recorded with strace by
// test/fixtures/record-netlink.sh (fixtures in test/fixtures/netlink/). Only nlmsg_seq and nlmsg_pid are masked:
// iproute2 numbers its requests from the clock. Interface indexes are those the record script pins.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  dumpAddressesRequest,
  dumpNeighboursRequest,
  dumpRoutesRequest,
  dumpRulesRequest,
  getLinkRequest,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  NLM_F_ACK,
  NLM_F_REQUEST,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  NetlinkWriter,
  addFouRequest,
  deleteAddressRequest,
  deleteFdbRequest,
  deleteFouRequest,
  deleteLinkRequest,
  deleteNeighbourRequest,
  deleteRouteRequest,
  deleteRuleRequest,
  encodeAddressMessage,
  encodeGetFamilyMessage,
  encodeLinkMessage,
  getFamilyRequest,
  newAddressRequest,
  newFdbRequest,
  newFlags,
  newLinkRequest,
  newNeighbourRequest,
  newRouteRequest,
  newRuleRequest,
  setLinkRequest,
  NTF_SELF,
  NUD_NOARP,
  NUD_PERMANENT,
  type NetlinkRequest,
} from '../src/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'netlink');
/** Indexes pinned by record-netlink.sh (veth0 10, veth1 11, vxlan0 12) or assigned in its fresh namespace. */
const VETH0 = 10;
const VETH1 = 11;
const VXLAN0 = 12;
const VXLAN1 = 2;
const KUBE_BRIDGE = 4;
const PROTO_KUBE_ROUTER = 17;
const SEQ_OFFSET = 8;
const PID_END = 16;

interface Fixture {
  command: string;
  bytes: Buffer;
}

function loadFixture(name: string): Fixture {
  const text = readFileSync(join(FIXTURES, `${name}.txt`), 'utf8');
  const lines = text.split('\n');
  const command = lines[0]!.replace(/^# /, '');
  const hex = lines.filter((l) => l && !l.startsWith('#')).join(' ').replace(/\s+/g, '');
  const raw = Buffer.from(hex, 'hex');
  // For dumps iproute2 hands sendmsg its whole request struct; the kernel reads nlmsg_len bytes, and so do we.
  return { command, bytes: raw.subarray(0, raw.readUInt32LE(0)) };
}

function maskSeqPid(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c.fill(0, SEQ_OFFSET, PID_END);
  return c;
}

function encodeRequest(request: NetlinkRequest): Buffer {
  const w = new NetlinkWriter();
  request.encode(w, 0);
  return Buffer.from(w.bytes());
}

function encodeWith(fn: (w: NetlinkWriter) => void): Buffer {
  const w = new NetlinkWriter();
  fn(w);
  return Buffer.from(w.bytes());
}

/** Fixture name → our encoding of the same request. */
const cases: Record<string, () => Buffer> = {
  'route-add-v4': () => encodeRequest(newRouteRequest({ dst: '10.244.3.0/24', protocol: PROTO_KUBE_ROUTER, gateway: '10.0.0.3', oif: VETH0 })),
  'route-add-v4-full': () =>
    encodeRequest(
      newRouteRequest({
        dst: '10.244.4.0/24',
        table: 77,
        protocol: PROTO_KUBE_ROUTER,
        priority: 5,
        prefsrc: '10.0.0.1',
        gateway: '10.0.0.3',
        oif: VETH0,
        mtu: 1400,
      }),
    ),
  'route-add-table-1000': () =>
    encodeRequest(newRouteRequest({ dst: '10.244.5.0/24', table: 1000, protocol: PROTO_KUBE_ROUTER, gateway: '10.0.0.3', oif: VETH0 })),
  'route-add-dev': () => encodeRequest(newRouteRequest({ dst: '10.244.7.0/24', protocol: PROTO_KUBE_ROUTER, oif: VETH0 })),
  'route-add-onlink': () =>
    encodeRequest(newRouteRequest({ dst: '10.244.8.0/24', protocol: PROTO_KUBE_ROUTER, gateway: '10.1.0.8', oif: VXLAN0, onlink: true })),
  'route-replace-v4': () =>
    encodeRequest(newRouteRequest({ dst: '10.244.3.0/24', protocol: PROTO_KUBE_ROUTER, gateway: '10.0.0.3', oif: VETH0 }, 'replace')),
  'route-del-v4': () => encodeRequest(deleteRouteRequest({ dst: '10.244.3.0/24', protocol: PROTO_KUBE_ROUTER, gateway: '10.0.0.3', oif: VETH0 })),
  'route-del-table-77': () => encodeRequest(deleteRouteRequest({ dst: '10.244.4.0/24', table: 77 })),
  'route-add-v6': () => encodeRequest(newRouteRequest({ dst: 'fd00:244:3::/64', protocol: PROTO_KUBE_ROUTER, gateway: 'fd00::3', oif: VETH0 })),
  'route-add-multipath-v4': () =>
    encodeRequest(
      newRouteRequest({
        dst: '10.244.6.0/24',
        protocol: PROTO_KUBE_ROUTER,
        multipath: [
          { gateway: '10.0.0.3', ifindex: VETH0, weight: 1 },
          { gateway: '10.0.0.4', ifindex: VETH0, weight: 2 },
        ],
      }),
    ),
  'route-add-multipath-v6': () =>
    encodeRequest(
      newRouteRequest({
        dst: 'fd00:244:6::/64',
        protocol: PROTO_KUBE_ROUTER,
        multipath: [
          { gateway: 'fd00::3', ifindex: VETH0 },
          { gateway: 'fd00::4', ifindex: VETH0 },
        ],
      }),
    ),
  'route-add-multipath-onlink': () =>
    encodeRequest(
      newRouteRequest({
        dst: '10.244.9.0/24',
        protocol: PROTO_KUBE_ROUTER,
        multipath: [
          { gateway: '10.1.0.8', ifindex: VXLAN0, onlink: true },
          { gateway: '10.1.0.9', ifindex: VXLAN0, onlink: true },
        ],
      }),
    ),
  'rule-add-v4': () => encodeRequest(newRuleRequest({ from: '10.244.0.0/24', table: 77 })),
  'rule-add-v4-priority': () => encodeRequest(newRuleRequest({ priority: 100, from: '10.244.0.0/24', to: '10.96.0.0/12', table: 77 })),
  'rule-add-v6': () => encodeRequest(newRuleRequest({ from: 'fd00:244::/64', table: 77 })),
  'rule-del-v4': () => encodeRequest(deleteRuleRequest({ from: '10.244.0.0/24', table: 77 })),
  'rule-add-table-1000': () => encodeRequest(newRuleRequest({ from: '10.244.0.0/24', table: 1000 })),
  'link-add-vxlan': () =>
    encodeRequest(
      newLinkRequest({ name: 'vxlan1', info: { kind: 'vxlan', vxlan: { id: 42, local: '10.0.0.1', link: VETH0, port: 4789, learning: false } } }),
    ),
  'link-add-vxlan-learning': () =>
    encodeRequest(
      newLinkRequest({
        name: 'vxlan2',
        mtu: 1450,
        info: { kind: 'vxlan', vxlan: { id: 7, local: '10.0.0.1', link: VETH0, port: 8472, learning: true } },
      }),
    ),
  'link-add-ipip': () =>
    encodeRequest(newLinkRequest({ name: 'tun-a', info: { kind: 'ipip', tunnel: { local: '10.0.0.1', remote: '10.0.0.3', link: VETH0 } } })),
  'link-add-ipip-gue': () =>
    encodeRequest(
      newLinkRequest({
        name: 'tun-b',
        info: { kind: 'ipip', tunnel: { local: '10.0.0.1', remote: '10.0.0.3', link: VETH0, encap: { type: 'gue', sport: 0, dport: 5555 } } },
      }),
    ),
  'link-add-ipip-fou': () =>
    encodeRequest(
      newLinkRequest({
        name: 'tun-f',
        info: { kind: 'ipip', tunnel: { local: '10.0.0.1', remote: '10.0.0.3', link: VETH0, encap: { type: 'fou', dport: 5555 } } },
      }),
    ),
  'link-add-ip6tnl': () =>
    encodeRequest(
      newLinkRequest({ name: 'tun-c', info: { kind: 'ip6tnl', tunnel: { local: 'fd00::1', remote: 'fd00::3', link: VETH0, proto: IPPROTO_IPV6 } } }),
    ),
  'link-add-ip6tnl-ipip6': () =>
    encodeRequest(
      newLinkRequest({ name: 'tun-d', info: { kind: 'ip6tnl', tunnel: { local: 'fd00::1', remote: 'fd00::3', link: VETH0, proto: IPPROTO_IPIP } } }),
    ),
  'link-add-ip6tnl-gue': () =>
    encodeRequest(
      newLinkRequest({
        name: 'tun-e',
        info: { kind: 'ip6tnl', tunnel: { local: 'fd00::1', remote: 'fd00::3', link: VETH0, encap: { type: 'gue', dport: 5555 } } },
      }),
    ),
  'link-add-bridge': () => encodeRequest(newLinkRequest({ name: 'kube-bridge', info: { kind: 'bridge' } })),
  'link-add-veth': () => encodeRequest(newLinkRequest({ index: 20, name: 'va', info: { kind: 'veth', peer: { name: 'vb', index: 21 } } })),
  'link-set-up': () => encodeRequest(setLinkRequest({ index: VETH0, up: true })),
  'link-set-mtu': () => encodeRequest(setLinkRequest({ index: VETH0, mtu: 1400 })),
  'link-set-master': () => encodeRequest(setLinkRequest({ index: VETH1, master: KUBE_BRIDGE })),
  'link-del': () => encodeRequest(deleteLinkRequest({ index: VXLAN1 })),
  'addr-add-v4': () => encodeRequest(newAddressRequest({ index: VETH0, address: '10.0.0.5/24' })),
  'addr-add-v6': () => encodeRequest(newAddressRequest({ index: VETH0, address: 'fd00::5/64', nodad: true })),
  'addr-del-v4': () => encodeRequest(deleteAddressRequest({ index: VETH0, address: '10.0.0.5/24' })),
  'neigh-add-permanent': () =>
    encodeRequest(newNeighbourRequest({ index: VXLAN0, address: '10.1.0.8', lladdr: '0a:58:0a:f4:03:01', state: NUD_PERMANENT })),
  'neigh-replace-permanent': () =>
    encodeRequest(newNeighbourRequest({ index: VXLAN0, address: '10.1.0.8', lladdr: '0a:58:0a:f4:03:01' }, 'replace')),
  'neigh-add-v6': () => encodeRequest(newNeighbourRequest({ index: VETH0, address: 'fd00::8', lladdr: '0a:58:0a:f4:03:01' })),
  'neigh-del': () => encodeRequest(deleteNeighbourRequest({ index: VXLAN0, address: '10.1.0.8' })),
  'fdb-append': () => encodeRequest(newFdbRequest({ index: VXLAN0, lladdr: '0a:58:0a:f4:03:01', dst: '10.0.0.3' })),
  'fdb-add-self': () =>
    encodeRequest(
      newFdbRequest(
        { index: VXLAN0, lladdr: '0a:58:0a:f4:03:02', dst: '10.0.0.4', flags: NTF_SELF, state: NUD_PERMANENT | NUD_NOARP },
        'add',
      ),
    ),
  'fdb-del': () => encodeRequest(deleteFdbRequest({ index: VXLAN0, lladdr: '0a:58:0a:f4:03:01', dst: '10.0.0.3' })),
  'genl-getfamily-fou': () => encodeRequest(getFamilyRequest('fou')),
  'dump-routes-v4': () => encodeRequest(dumpRoutesRequest(AF_INET)),
  'dump-rules-v4': () => encodeRequest(dumpRulesRequest(AF_INET)),
  'dump-rules-v6': () => encodeRequest(dumpRulesRequest(AF_INET6)),
  'dump-neigh-v4': () => encodeRequest(dumpNeighboursRequest(AF_INET)),
  'dump-fdb': () => encodeRequest(dumpNeighboursRequest(AF_BRIDGE)),
  'dump-addr-v4': () => encodeRequest(dumpAddressesRequest(AF_INET)),
  'get-link-by-name': () => encodeRequest(getLinkRequest({ name: 'veth0' })),
};

/** FOU commands carry the family id the recording shim handed iproute2; it is the message type. */
const fouCases: Record<string, (familyId: number) => Buffer> = {
  'fou-add-gue': (id) => encodeRequest(addFouRequest(id, { port: 5555, type: 'gue' })),
  'fou-add-direct': (id) => encodeRequest(addFouRequest(id, { port: 5556, type: 'direct', ipproto: IPPROTO_IPIP })),
  'fou-add-gue-v6': (id) => encodeRequest(addFouRequest(id, { port: 5555, type: 'gue', family: AF_INET6 })),
  'fou-del': (id) => encodeRequest(deleteFouRequest(id, { port: 5555 })),
};

function hexdump(b: Buffer): string {
  return (b.toString('hex').match(/.{1,32}/g) ?? []).map((l) => l.replace(/(..)/g, '$1 ').trim()).join('\n');
}

describe('netlink codec: golden bytes recorded from iproute2', () => {
  it('has an encoder case for every recorded fixture, and a fixture for every case', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -4))
      .sort();
    assert.deepEqual(files, [...Object.keys(cases), ...Object.keys(fouCases)].sort());
  });

  for (const [name, encode] of Object.entries(cases)) {
    it(`${name}: ${loadFixture(name).command}`, () => {
      const fixture = loadFixture(name);
      const ours = encode();
      assert.equal(hexdump(maskSeqPid(ours)), hexdump(maskSeqPid(fixture.bytes)));
    });
  }

  for (const [name, encode] of Object.entries(fouCases)) {
    it(`${name}: ${loadFixture(name).command}`, () => {
      const fixture = loadFixture(name);
      const familyId = fixture.bytes.readUInt16LE(4);
      assert.equal(hexdump(maskSeqPid(encode(familyId))), hexdump(maskSeqPid(fixture.bytes)));
    });
  }

  it('the writer encodes the same bytes through the low-level entry points', () => {
    // encodeLinkMessage/encodeAddressMessage are what the *Request helpers call; exercise them directly once, with
    // explicit header flags, so that a change in the helpers' flag choice shows up against the fixtures above.
    const link = encodeWith((w) => encodeLinkMessage(w, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, { index: VXLAN1 }));
    assert.equal(hexdump(maskSeqPid(link)), hexdump(maskSeqPid(loadFixture('link-del').bytes)));
    const addr = encodeWith((w) => encodeAddressMessage(w, RTM_NEWADDR, newFlags('add'), { index: VETH0, address: '10.0.0.5/24' }));
    assert.equal(hexdump(maskSeqPid(addr)), hexdump(maskSeqPid(loadFixture('addr-add-v4').bytes)));
    const del = encodeWith((w) => encodeAddressMessage(w, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, { index: VETH0, address: '10.0.0.5/24' }));
    assert.equal(hexdump(maskSeqPid(del)), hexdump(maskSeqPid(loadFixture('addr-del-v4').bytes)));
    const family = encodeWith((w) => encodeGetFamilyMessage(w, 'fou'));
    assert.equal(hexdump(maskSeqPid(family)), hexdump(maskSeqPid(loadFixture('genl-getfamily-fou').bytes)));
    assert.equal(link.readUInt16LE(4), RTM_DELLINK);
    assert.equal(addr.readUInt16LE(4), RTM_NEWADDR);
    assert.notEqual(RTM_NEWLINK, RTM_DELLINK);
  });
});
