// Pure codec tests: round trips through encode → decode, address text, ACK and extended-ACK decoding, errors.
import assert from 'node:assert/strict';
import {
  AF_INET6,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NetlinkError,
  NetlinkWriter,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTM_NEWRULE,
  decodeAck,
  decodeLink,
  decodeMessages,
  decodeRoute,
  decodeRule,
  decodeNeighbour,
  decodeFdbEntry,
  decodeFouPort,
  encodeFdbMessage,
  encodeFouMessage,
  encodeLinkMessage,
  encodeNeighbourMessage,
  encodeRouteMessage,
  encodeRuleMessage,
  FOU_CMD_ADD,
  formatAddress,
  addressToBytes,
  parsePrefix,
  newFlags,
  describeRoute,
  RTM_NEWNEIGH,
} from '../src/index.js';

function roundTrip<T>(encode: (w: NetlinkWriter) => void, decode: (payload: Buffer) => T): T {
  const w = new NetlinkWriter(16); // tiny on purpose: exercises buffer growth
  encode(w);
  const [m] = decodeMessages(Buffer.from(w.bytes()));
  assert.ok(m);
  return decode(m.payload);
}

describe('netlink codec: round trips and helpers', () => {
  it('formats IPv6 addresses canonically (RFC 5952) and parses the compressed forms', () => {
    for (const [text, canonical] of [
      ['fd00::1', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::', '::'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
      ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
      ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ] as const) {
      assert.equal(formatAddress(addressToBytes(text)), canonical, text);
    }
    assert.equal(formatAddress(addressToBytes('10.244.3.1')), '10.244.3.1');
    assert.deepEqual(parsePrefix('10.0.0.0/8'), { family: 2, address: '10.0.0.0', length: 8 });
    assert.deepEqual(parsePrefix('fd00::5'), { family: AF_INET6, address: 'fd00::5', length: 128 });
    assert.throws(() => parsePrefix('10.0.0.0/33'), /bad prefix length/);
    assert.throws(() => parsePrefix('nonsense/8'), /not an IP address/);
  });

  it('round-trips a multipath IPv6 route in a table above 255 with metrics', () => {
    const r = roundTrip(
      (w) =>
        encodeRouteMessage(w, RTM_NEWROUTE, newFlags('add'), {
          dst: 'fd00:244:6::/64',
          table: 1077,
          protocol: 17,
          priority: 20,
          mtu: 1430,
          multipath: [
            { gateway: 'fd00::3', ifindex: 4, weight: 2 },
            { gateway: 'fd00::4', ifindex: 5, onlink: true },
          ],
        }),
      decodeRoute,
    );
    assert.equal(r.family, AF_INET6);
    assert.equal(r.dst, 'fd00:244:6::/64');
    assert.equal(r.table, 1077);
    assert.equal(r.priority, 20);
    assert.equal(r.mtu, 1430);
    assert.deepEqual(r.multipath, [
      { gateway: 'fd00::3', ifindex: 4, weight: 2, flags: 0 },
      { gateway: 'fd00::4', ifindex: 5, weight: 1, flags: 4, onlink: true },
    ]);
  });

  it('round-trips a default route (no RTA_DST)', () => {
    const r = roundTrip((w) => encodeRouteMessage(w, RTM_NEWROUTE, newFlags('add'), { dst: '0.0.0.0/0', gateway: '10.0.0.1' }), decodeRoute);
    assert.equal(r.dst, '0.0.0.0/0');
    assert.equal(r.gateway, '10.0.0.1');
  });

  it('round-trips ipip-with-GUE and vxlan link info', () => {
    const ipip = roundTrip(
      (w) =>
        encodeLinkMessage(w, RTM_NEWLINK, newFlags('add'), {
          name: 'tun-e443169117a',
          mtu: 1472,
          info: { kind: 'ipip', tunnel: { local: '10.0.0.1', remote: '10.0.0.2', link: 3, encap: { type: 'gue', sport: 0, dport: 5555 } } },
        }),
      decodeLink,
    );
    assert.equal(ipip.name, 'tun-e443169117a');
    assert.equal(ipip.mtu, 1472);
    assert.equal(ipip.info?.kind, 'ipip');
    assert.deepEqual(ipip.info?.tunnel?.encap, { type: 'gue', flags: 0, sport: 0, dport: 5555 });
    assert.equal(ipip.info?.tunnel?.remote, '10.0.0.2');
    const vx = roundTrip(
      (w) => encodeLinkMessage(w, RTM_NEWLINK, newFlags('add'), { name: 'vxlan0', info: { kind: 'vxlan', vxlan: { id: 1, local: 'fd00::1', port: 4789 } } }),
      decodeLink,
    );
    assert.deepEqual(vx.info?.vxlan, { id: 1, local: 'fd00::1', port: 4789 });
  });

  it('round-trips rules, neighbours, FDB entries and FOU ports', () => {
    const rule = roundTrip((w) => encodeRuleMessage(w, RTM_NEWRULE, newFlags('add'), { from: '10.244.0.0/24', to: '10.96.0.0/12', table: 300, priority: 5 }), decodeRule);
    assert.deepEqual([rule.from, rule.to, rule.table, rule.priority, rule.action], ['10.244.0.0/24', '10.96.0.0/12', 300, 5, 1]);
    const n = roundTrip((w) => encodeNeighbourMessage(w, RTM_NEWNEIGH, newFlags('add'), { index: 7, address: 'fd00::8', lladdr: '0A:58:00:00:00:01' }), decodeNeighbour);
    assert.deepEqual([n.index, n.address, n.lladdr, n.state], [7, 'fd00::8', '0a:58:00:00:00:01', 0x80]);
    const f = roundTrip((w) => encodeFdbMessage(w, RTM_NEWNEIGH, newFlags('append'), { index: 9, lladdr: '0a:58:00:00:00:02', dst: '10.0.0.9', vni: 42 }), decodeFdbEntry);
    assert.deepEqual([f.index, f.lladdr, f.dst, f.vni], [9, '0a:58:00:00:00:02', '10.0.0.9', 42]);
    const fou = roundTrip((w) => encodeFouMessage(w, 30, FOU_CMD_ADD, 5, { port: 5555, type: 'gue', family: AF_INET6 }), decodeFouPort);
    assert.deepEqual(fou, { port: 5555, family: AF_INET6, type: 'gue' });
  });

  it('decodes an ACK with extended-ACK TLVs after a capped echo', () => {
    const payload = Buffer.alloc(64);
    payload.writeInt32LE(-101, 0);
    payload.writeUInt32LE(44, 4); // echoed nlmsg_len (capped: only the header follows)
    payload.writeUInt16LE(RTM_NEWROUTE, 8);
    payload.writeUInt32LE(77, 12); // seq
    let off = 20;
    const text = 'Nexthop has invalid gateway\0';
    payload.writeUInt16LE(4 + text.length, off);
    payload.writeUInt16LE(NLMSGERR_ATTR_MSG, off + 2);
    payload.write(text, off + 4);
    off += (4 + text.length + 3) & ~3;
    payload.writeUInt16LE(8, off);
    payload.writeUInt16LE(NLMSGERR_ATTR_OFFS, off + 2);
    payload.writeUInt32LE(28, off + 4);
    const ack = decodeAck(payload.subarray(0, off + 8), NLM_F_CAPPED | NLM_F_ACK_TLVS);
    assert.deepEqual(ack, { errno: 101, requestSeq: 77, requestType: RTM_NEWROUTE, kernelMessage: 'Nexthop has invalid gateway', badAttributeOffset: 28 });
    assert.equal(NLMSG_ERROR, 2);
  });

  it('words NetlinkError like iproute2 and names the object', () => {
    const e = new NetlinkError(describeRoute('add', { dst: '10.244.3.0/24', gateway: '10.0.0.3' }), 101);
    assert.equal(e.message, 'add route 10.244.3.0/24 via 10.0.0.3: Network is unreachable (ENETUNREACH)');
    assert.equal(e.name, 'NetlinkError');
    assert.equal(new NetlinkError('delete link tun-x', 19).message, 'delete link tun-x: No such device (ENODEV)');
    assert.equal(new NetlinkError('add rule from all', 17, 'Rule exists').message, 'add rule from all: File exists (EEXIST) [kernel: Rule exists]');
    assert.equal(new NetlinkError('x', 95).code, 'EOPNOTSUPP');
  });

  it('stops at a truncated message instead of reading past the buffer', () => {
    const w = new NetlinkWriter();
    encodeRouteMessage(w, RTM_NEWROUTE, newFlags('add'), { dst: '10.0.0.0/8', oif: 1 });
    encodeRouteMessage(w, RTM_NEWROUTE, newFlags('add'), { dst: '10.1.0.0/16', oif: 1 });
    const bytes = Buffer.from(w.bytes());
    assert.equal(decodeMessages(bytes).length, 2);
    assert.equal(decodeMessages(bytes.subarray(0, bytes.length - 4)).length, 1);
  });
});
