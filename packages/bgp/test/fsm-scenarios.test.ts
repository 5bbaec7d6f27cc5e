// Scenario tests of the connection state machine with a fake clock: whole opens, timers, backoff, damping, OPEN
// checks and Cease messages.
import assert from 'node:assert/strict';
import { Cease, ceaseNotification, collisionSurvivor, negotiate, type FsmAction, type FsmEvent } from '../src/fsm/index.js';
import { Afi, Safi } from '../src/wire/constants.js';
import type { NotificationMessage, OpenMessage } from '../src/wire/types.js';
import { HOLD_TIME, LOCAL_AS, LOCAL_ID, localOpen, newFsm, PEER_AS, PEER_ID, peerOpen, summarise } from './fsm-helpers.js';

const NO_JITTER = 1 - 1e-12; // random() just below 1: jitter factor ≈ 1
const FULL_JITTER = 0; // factor 0.75

function started(actions: readonly FsmAction[], timer: string): number | undefined {
  const a = actions.find((x) => x.type === 'start-timer' && x.timer === timer);
  return a && a.type === 'start-timer' ? a.ms : undefined;
}

function sentNotification(actions: readonly FsmAction[]): NotificationMessage | undefined {
  for (const a of actions) if (a.type === 'send' && a.message.type === 'notification') return a.message;
  return undefined;
}

function toOpenSent(overrides = {}) {
  const r = newFsm(overrides);
  r.fsm.handle({ type: 'ManualStart' });
  r.fsm.handle({ type: 'Tcp_CR_Acked', conn: 1 });
  return r;
}

describe('FSM scenarios', () => {
  it('a full active open: connect, OPEN, KEEPALIVE, Established with negotiated parameters', () => {
    const { fsm, env } = newFsm();
    env.randoms = [NO_JITTER];
    let a = fsm.handle({ type: 'ManualStart' });
    assert.deepEqual(a.find((x) => x.type === 'connect'), { type: 'connect', conn: 1 });
    assert.equal(started(a, 'connectRetry'), 5000);
    a = fsm.handle({ type: 'Tcp_CR_Acked', conn: 1 });
    const open = a.find((x) => x.type === 'send');
    assert.deepEqual(open, { type: 'send', conn: 1, message: localOpen() });
    assert.equal(started(a, 'hold'), 240_000, '§8.2.2: a large (4 minute) hold timer while waiting for the OPEN');
    a = fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen({ holdTime: 30 }) });
    assert.equal(fsm.state, 'OpenConfirm');
    assert.deepEqual(summarise(a).sent, ['keepalive']);
    assert.equal(started(a, 'hold'), 30_000, 'negotiated hold = min(90, 30)');
    assert.equal(started(a, 'keepalive'), 10_000, 'keepalive = hold / 3');
    a = fsm.handle({ type: 'KeepAliveMsg', conn: 1 });
    assert.equal(fsm.state, 'Established');
    const est = a.find((x) => x.type === 'established');
    assert.ok(est && est.type === 'established');
    assert.equal(est.negotiated.holdTime, 30);
    assert.equal(est.negotiated.keepaliveTime, 10);
    assert.equal(est.negotiated.peerAs, PEER_AS);
    assert.equal(est.negotiated.internal, false);
    assert.deepEqual(est.negotiated.families, ['ipv4-unicast']);
    assert.equal(est.negotiated.fourOctetAs, true);
    assert.equal(est.negotiated.routeRefresh, true);
  });

  it('a passive open waits without connecting and answers an incoming connection', () => {
    const { fsm } = newFsm({ passive: true });
    let a = fsm.handle({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    assert.equal(fsm.state, 'Active');
    assert.equal(summarise(a).connect, false);
    assert.equal(fsm.timers.size, 0, 'a strictly passive peer runs no ConnectRetryTimer');
    a = fsm.handle({ type: 'TcpConnectionConfirmed', conn: 7 });
    assert.equal(fsm.state, 'OpenSent');
    assert.equal(fsm.initiatedLocally, false);
    assert.deepEqual(summarise(a).sent, ['open']);
    fsm.handle({ type: 'BGPOpen', conn: 7, open: peerOpen() });
    fsm.handle({ type: 'KeepAliveMsg', conn: 7 });
    assert.equal(fsm.state, 'Established');
  });

  it('hold time 0 on either side: no hold timer and no KEEPALIVEs', () => {
    const { fsm } = toOpenSent();
    fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen({ holdTime: 0 }) });
    assert.equal(fsm.negotiated?.holdTime, 0);
    assert.deepEqual([...fsm.timers.keys()], []);
    fsm.handle({ type: 'KeepAliveMsg', conn: 1 });
    assert.equal(fsm.state, 'Established');
    assert.deepEqual([...fsm.timers.keys()], []);
  });

  for (const hold of [1, 2]) {
    it(`refuses hold time ${hold} with 2/6 (RFC 4271 §6.2)`, () => {
      const { fsm } = toOpenSent();
      const a = fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen({ holdTime: hold }) });
      const n = sentNotification(a);
      assert.equal(`${n?.code}/${n?.subcode}`, '2/6');
      assert.equal(fsm.state, 'Idle');
    });
  }

  it('accepts hold time 3', () => {
    const { fsm } = toOpenSent();
    fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen({ holdTime: 3 }) });
    assert.equal(fsm.state, 'OpenConfirm');
    assert.equal(fsm.negotiated?.holdTime, 3);
  });

  const badOpens: Array<[string, Partial<OpenMessage>, string, Uint8Array | undefined]> = [
    ['version 3', { version: 3 }, '2/1', new Uint8Array([0, 4])],
    ['version 5', { version: 5 }, '2/1', new Uint8Array([0, 4])],
    ['the wrong AS', { myAs: 65099, capabilities: [{ kind: 'four-octet-as', asn: 65099 }] }, '2/2', undefined],
    ['BGP Identifier 0', { bgpIdentifier: 0 }, '2/3', undefined],
  ];
  for (const [what, open, code, data] of badOpens) {
    it(`answers an OPEN with ${what} with ${code}`, () => {
      const { fsm } = toOpenSent();
      const a = fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen(open) });
      const n = sentNotification(a)!;
      assert.equal(`${n.code}/${n.subcode}`, code);
      if (data) assert.deepEqual([...n.data], [...data], 'data: the highest version we support');
      assert.deepEqual(summarise(a).closed, [1]);
      assert.equal(fsm.state, 'Idle');
    });
  }

  it('answers an internal peer using our own BGP Identifier with 2/3 (RFC 6286 §2.2)', () => {
    const { fsm } = toOpenSent({ peerAs: LOCAL_AS });
    const a = fsm.handle({ type: 'BGPOpen', conn: 1, open: { ...localOpen(LOCAL_AS, LOCAL_ID) } });
    const n = sentNotification(a)!;
    assert.equal(`${n.code}/${n.subcode}`, '2/3');
  });

  it('answers a peer lacking a required capability with 2/7 naming it', () => {
    const { fsm } = toOpenSent({ requiredCapabilities: [{ kind: 'multiprotocol', afi: Afi.IPV6, safi: Safi.UNICAST }, { kind: 'route-refresh' }] });
    const a = fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen() });
    const n = sentNotification(a)!;
    assert.equal(`${n.code}/${n.subcode}`, '2/7');
    // RFC 5492 §5: the data lists the missing capability as in an OPEN: code 1, length 4, AFI 2, reserved, SAFI 1.
    assert.deepEqual([...n.data], [1, 4, 0, 2, 0, 1]);
  });

  it('KEEPALIVE cadence: a third of the hold time, jittered per RFC 4271 §10, every time', () => {
    const { fsm, env } = toOpenSent();
    env.randoms = [NO_JITTER, FULL_JITTER, 0.5];
    fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen() });
    fsm.handle({ type: 'KeepAliveMsg', conn: 1 });
    const intervals: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = fsm.handle({ type: 'KeepaliveTimer_Expires' });
      assert.deepEqual(summarise(a).sent, ['keepalive']);
      intervals.push(started(a, 'keepalive')!);
    }
    const third = (HOLD_TIME * 1000) / 3;
    for (const ms of intervals) assert.ok(ms >= 0.75 * third && ms <= third, `${ms} within [0.75, 1] × ${third}`);
    assert.ok(new Set(intervals).size > 1, 'jitter varies the interval');
    assert.equal(fsm.state, 'Established');
  });

  it('hold timer expiry in Established sends 4/0, reports down, and restarts automatically', () => {
    const { fsm, env } = toOpenSent({ autoRestart: true });
    env.randoms = [NO_JITTER];
    fsm.handle({ type: 'BGPOpen', conn: 1, open: peerOpen() });
    fsm.handle({ type: 'KeepAliveMsg', conn: 1 });
    const a = fsm.handle({ type: 'HoldTimer_Expires' });
    assert.deepEqual(summarise(a).sent, ['notification 4/0']);
    const down = a.find((x) => x.type === 'down');
    assert.ok(down && down.type === 'down' && down.reason.sent?.code === 4);
    assert.equal(fsm.state, 'Idle');
    assert.equal(started(a, 'idleHold'), 1000, 'first automatic restart after the initial restart delay');
    const b = fsm.handle({ type: 'IdleHoldTimer_Expires' });
    assert.equal(fsm.state, 'Connect');
    assert.equal(summarise(b).connect, true);
  });

  it('ConnectRetry backoff doubles per failed attempt up to the cap, with jitter', () => {
    const { fsm, env } = newFsm();
    env.randoms = [NO_JITTER];
    const seen = [started(fsm.handle({ type: 'ManualStart' }), 'connectRetry')];
    for (let i = 0; i < 7; i++) seen.push(started(fsm.handle({ type: 'ConnectRetryTimer_Expires' }), 'connectRetry'));
    assert.deepEqual(seen, [5000, 10000, 20000, 40000, 80000, 120000, 120000, 120000]);
    env.randoms = [FULL_JITTER];
    assert.equal(started(fsm.handle({ type: 'ConnectRetryTimer_Expires' }), 'connectRetry'), 90000, '0.75 × cap');
    // Each expiry dropped the attempt in flight and opened a new one.
    assert.equal(fsm.outgoing, 9, "nine attempts, each with a fresh connection id");
  });

  it('restart delay after repeated failures grows and resets once a session is established', () => {
    const { fsm, env } = newFsm({ autoRestart: true });
    env.randoms = [NO_JITTER];
    fsm.handle({ type: 'ManualStart' });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = fsm.handle({ type: 'TcpConnectionFails', conn: fsm.outgoing! });
      delays.push(started(a, 'idleHold')!);
      fsm.handle({ type: 'IdleHoldTimer_Expires' });
      assert.equal(fsm.state, 'Connect');
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
    fsm.handle({ type: 'Tcp_CR_Acked', conn: fsm.outgoing! });
    fsm.handle({ type: 'BGPOpen', conn: fsm.conn!, open: peerOpen() });
    fsm.handle({ type: 'KeepAliveMsg', conn: fsm.conn! });
    const a = fsm.handle({ type: 'TcpConnectionFails', conn: fsm.conn! });
    assert.equal(started(a, 'idleHold'), 1000);
  });

  it('DampPeerOscillations: idle hold grows with repeated failures and decays while stable', () => {
    const { fsm, env } = newFsm({ autoRestart: true, dampPeerOscillations: true });
    env.randoms = [NO_JITTER];
    const flap = (): number => {
      fsm.handle({ type: 'Tcp_CR_Acked', conn: fsm.outgoing! });
      const a = fsm.handle({ type: 'HoldTimer_Expires' }); // OpenSent hold expiry: damping performed
      return started(a, 'idleHold')!;
    };
    fsm.handle({ type: 'AutomaticStart_with_DampPeerOscillations' });
    const holds: number[] = [];
    for (let i = 0; i < 6; i++) {
      holds.push(flap());
      env.t += holds[holds.length - 1]!;
      fsm.handle({ type: 'IdleHoldTimer_Expires' });
    }
    assert.equal(fsm.oscillations, 6);
    // max(restart backoff 1,2,4,8,16,32 s; damping 10,20,40,80,120,120 s)
    assert.deepEqual(holds, [10000, 20000, 40000, 80000, 120000, 120000]);
    // 15 quiet minutes forget three oscillations (decay 5 min each).
    env.t += 15 * 60 * 1000;
    fsm.handle({ type: 'Tcp_CR_Acked', conn: fsm.outgoing! });
    fsm.handle({ type: 'BGPOpen', conn: fsm.conn!, open: peerOpen() });
    fsm.handle({ type: 'KeepAliveMsg', conn: fsm.conn! });
    const a = fsm.handle({ type: 'HoldTimer_Expires' });
    assert.equal(fsm.oscillations, 4);
    assert.equal(started(a, 'idleHold'), 80000);
  });

  it('AutomaticStart_with_DampPeerOscillations waits in Idle while damped', () => {
    const { fsm, env } = newFsm({ autoRestart: false, dampPeerOscillations: true });
    fsm.handle({ type: 'AutomaticStart_with_DampPeerOscillations' });
    fsm.handle({ type: 'Tcp_CR_Acked', conn: 1 });
    fsm.handle({ type: 'HoldTimer_Expires' });
    assert.equal(fsm.oscillations, 1);
    const a = fsm.handle({ type: 'AutomaticStart_with_DampPeerOscillations' });
    assert.equal(fsm.state, 'Idle');
    assert.equal(started(a, 'idleHold'), 10000);
    env.t += 10000;
    fsm.handle({ type: 'IdleHoldTimer_Expires' });
    assert.equal(fsm.state, 'Connect');
  });

  it('a version-error NOTIFICATION in OpenSent is not counted as an oscillation (event 24)', () => {
    const { fsm } = newFsm({ dampPeerOscillations: true });
    fsm.handle({ type: 'AutomaticStart_with_DampPeerOscillations' });
    fsm.handle({ type: 'Tcp_CR_Acked', conn: 1 });
    const notification = { type: 'notification' as const, code: 2, subcode: 1, data: new Uint8Array([0, 4]) };
    const a = fsm.handle({ type: 'NotifMsgVerErr', conn: 1, notification });
    assert.equal(fsm.state, 'Idle');
    assert.equal(fsm.oscillations, 0);
    assert.equal(fsm.connectRetryCounter, 0);
    assert.deepEqual(summarise(a).sent, []);
  });

  it('an UPDATE before Established is an FSM error naming the state (RFC 6608)', () => {
    const { fsm } = toOpenSent();
    const a = fsm.handle({ type: 'UpdateMsg', conn: 1 });
    assert.deepEqual(summarise(a).sent, ['notification 5/1']);
    const r = toOpenSent().fsm;
    r.handle({ type: 'BGPOpen', conn: 1, open: peerOpen() });
    assert.deepEqual(summarise(r.handle({ type: 'UpdateMsg', conn: 1 })).sent, ['notification 5/2']);
  });

  it('a KEEPALIVE in OpenSent is FSM error 5/1', () => {
    const { fsm } = toOpenSent();
    assert.deepEqual(summarise(fsm.handle({ type: 'KeepAliveMsg', conn: 1 })).sent, ['notification 5/1']);
  });

  it('ignores events about connections it does not own once connected', () => {
    const { fsm } = toOpenSent();
    const stray: FsmEvent[] = [
      { type: 'KeepAliveMsg', conn: 42 },
      { type: 'TcpConnectionFails', conn: 42 },
      { type: 'UpdateMsg', conn: 42 },
    ];
    for (const e of stray) assert.deepEqual(fsm.handle(e), []);
    assert.equal(fsm.state, 'OpenSent');
  });

  it('ManualStop sends Cease 6/2 with the RFC 9003 shutdown communication', () => {
    const { fsm } = toOpenSent();
    const a = fsm.handle({ type: 'ManualStop', cease: Cease.adminShutdown('maintenance: back at 16:00') });
    const n = sentNotification(a)!;
    assert.equal(`${n.code}/${n.subcode}`, '6/2');
    const text = 'maintenance: back at 16:00';
    assert.equal(n.data[0], text.length);
    assert.equal(new TextDecoder().decode(n.data.subarray(1)), text);
    assert.equal(n.shutdownCommunication, text);
    assert.equal(summarise(a).timersStarted.length, 0, 'a manual stop does not restart');
  });

  it('AutomaticStop carries its Cease reason (max prefixes, RFC 4486 data)', () => {
    const { fsm } = toOpenSent();
    const a = fsm.handle({ type: 'AutomaticStop', cease: Cease.maxPrefixes({ afi: 1, safi: 1, max: 1000 }) });
    const n = sentNotification(a)!;
    assert.equal(`${n.code}/${n.subcode}`, '6/1');
    assert.deepEqual([...n.data], [0, 1, 1, 0, 0, 0x03, 0xe8]);
  });

  it('Cease builders cover RFC 4486 / 8538 subcodes', () => {
    const codes = [
      Cease.peerDeconfigured(),
      Cease.connectionRejected(),
      Cease.otherConfigurationChange(),
      Cease.outOfResources(),
      Cease.adminReset('bye'),
      Cease.hardReset({ type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) }),
    ].map((c) => ceaseNotification(c));
    assert.deepEqual(
      codes.map((n) => n.subcode),
      [3, 5, 6, 8, 4, 9],
    );
    assert.deepEqual([...codes[5]!.data], [4, 0], 'hard reset wraps the original code and subcode');
    assert.equal(codes[4]!.shutdownCommunication, 'bye');
  });
});

describe('FSM: capability negotiation', () => {
  const mp = (afi: number) => ({ kind: 'multiprotocol' as const, afi, safi: Safi.UNICAST });
  const base = (caps: OpenMessage['capabilities'], asn = PEER_AS): OpenMessage => ({ ...peerOpen(), myAs: asn > 0xffff ? 23456 : asn, capabilities: caps });

  it('families in common; a peer without multiprotocol speaks IPv4 unicast only (RFC 4760)', () => {
    const local = base([mp(Afi.IPV4), mp(Afi.IPV6)], LOCAL_AS);
    assert.deepEqual(negotiate(local, base([mp(Afi.IPV6)]), LOCAL_AS).families, ['ipv6-unicast']);
    assert.deepEqual(negotiate(local, base([]), LOCAL_AS).families, ['ipv4-unicast']);
  });

  it('4-octet AS from the capability, with AS_TRANS in My AS (RFC 6793)', () => {
    const local = base([{ kind: 'four-octet-as', asn: LOCAL_AS }], LOCAL_AS);
    const n = negotiate(local, base([{ kind: 'four-octet-as', asn: 4200000001 }], 4200000001), LOCAL_AS);
    assert.equal(n.peerAs, 4200000001);
    assert.equal(n.fourOctetAs, true);
    assert.equal(n.decode.fourOctetAs, true);
    assert.equal(negotiate(local, base([]), LOCAL_AS).fourOctetAs, false);
  });

  it('ADD-PATH per family and direction (RFC 7911 §4)', () => {
    const addPath = (mode: 1 | 2 | 3) => ({ kind: 'add-path' as const, families: [{ afi: Afi.IPV4, safi: Safi.UNICAST, sendReceive: mode }] });
    const local = base([mp(Afi.IPV4), addPath(1)], LOCAL_AS); // we receive only
    const n = negotiate(local, base([mp(Afi.IPV4), addPath(3)]), LOCAL_AS);
    assert.deepEqual([...n.addPath.receive], ['ipv4-unicast']);
    assert.deepEqual([...n.addPath.send], []);
    assert.deepEqual([...n.decode.addPath], ['ipv4-unicast']);
    assert.deepEqual([...n.encode.addPath], []);
    const none = negotiate(local, base([mp(Afi.IPV4), addPath(1)]), LOCAL_AS);
    assert.equal(none.addPath.receive.size + none.addPath.send.size, 0, 'both only receive: nothing');
  });

  it('extended message, enhanced route refresh and graceful restart need / show both sides', () => {
    const gr = { kind: 'graceful-restart' as const, restartState: false, notification: true, restartTime: 120, families: [] };
    const local = base([{ kind: 'extended-message' }, { kind: 'enhanced-route-refresh' }, { kind: 'route-refresh' }], LOCAL_AS);
    const n = negotiate(local, base([{ kind: 'extended-message' }, gr]), LOCAL_AS);
    assert.equal(n.extendedMessage, true);
    assert.equal(n.encode.extendedMessage, true);
    assert.equal(n.enhancedRouteRefresh, false);
    assert.equal(n.routeRefresh, false);
    assert.equal(n.gracefulRestart.local, undefined);
    assert.equal(n.gracefulRestart.remote?.restartTime, 120);
  });

  it('internal when both ASes match', () => {
    assert.equal(negotiate(base([], LOCAL_AS), base([], LOCAL_AS), LOCAL_AS).internal, true);
  });
});

describe('FSM: collision resolution rule', () => {
  it('keeps the connection opened by the higher BGP Identifier, compared unsigned (RFC 4271 §6.8)', () => {
    assert.equal(collisionSurvivor(LOCAL_ID, PEER_ID, 1, 2), 'remotely-initiated');
    assert.equal(collisionSurvivor(PEER_ID, LOCAL_ID, 1, 2), 'locally-initiated');
    // 192.0.0.1 > 10.0.0.1 although it is negative as a signed 32-bit integer.
    assert.equal(collisionSurvivor(0xc0000001 | 0, LOCAL_ID, 1, 2), 'locally-initiated');
  });
  it('with equal identifiers keeps the connection of the larger AS (RFC 6286 §2.3)', () => {
    assert.equal(collisionSurvivor(LOCAL_ID, LOCAL_ID, 65002, 65001), 'locally-initiated');
    assert.equal(collisionSurvivor(LOCAL_ID, LOCAL_ID, 65001, 65002), 'remotely-initiated');
  });
});
