// The per-peer coordinator: timer routing, second connections and §6.8 collision resolution both ways.
import assert from 'node:assert/strict';
import { PeerFsm, type FsmAction, type PeerFsmConfig } from '../src/fsm/index.js';
import { FakeEnv, peerConfig, peerOpen, describeSent } from './fsm-helpers.js';

function timerNamed(actions: readonly FsmAction[], prefix: string): string {
  const a = actions.find((x) => x.type === 'start-timer' && x.timer.startsWith(prefix));
  assert.ok(a && a.type === 'start-timer', `a ${prefix} timer was started`);
  return a.timer;
}

function sentOn(actions: readonly FsmAction[], conn: number): string[] {
  return actions.filter((a) => a.type === 'send' && a.conn === conn).map((a) => describeSent(a)!);
}

function closed(actions: readonly FsmAction[]): number[] {
  return actions.flatMap((a) => (a.type === 'close' ? [a.conn] : []));
}

function peer(overrides: Partial<PeerFsmConfig> = {}): PeerFsm {
  return new PeerFsm(peerConfig(overrides), new FakeEnv());
}

/** Our own attempt (conn 1) connected and taken to Established by the peer's OPEN and KEEPALIVE; returns it. */
function establishOutgoing(p: PeerFsm): number {
  const c = p.handle({ type: 'ManualStart' }).find((x) => x.type === 'connect');
  assert.ok(c && c.type === 'connect');
  p.handle({ type: 'Tcp_CR_Acked', conn: c.conn });
  p.handle({ type: 'message', conn: c.conn, message: peerOpen() });
  p.handle({ type: 'message', conn: c.conn, message: { type: 'keepalive' } });
  assert.equal(p.state, 'Established');
  return c.conn;
}

/** Primary connected outgoing (our attempt, conn 1) and in OpenSent; an incoming connection tracked as second. */
function twoConnections(p: PeerFsm): { outgoing: number; incoming: number } {
  const a = p.handle({ type: 'ManualStart' });
  const c = a.find((x) => x.type === 'connect');
  assert.ok(c && c.type === 'connect');
  p.handle({ type: 'Tcp_CR_Acked', conn: c.conn });
  assert.equal(p.state, 'OpenSent');
  const incoming = p.allocateConnection();
  const b = p.handle({ type: 'TcpConnectionConfirmed', conn: incoming });
  assert.deepEqual(sentOn(b, incoming), ['open'], 'the second connection gets its own OPEN');
  assert.equal(p.connectionCount, 2);
  return { outgoing: c.conn, incoming };
}

describe('PeerFsm', () => {
  it('runs a whole session and routes its namespaced timers back', () => {
    const p = peer();
    const a = p.handle({ type: 'ManualStart' });
    assert.deepEqual(a.find((x) => x.type === 'state'), { type: 'state', from: 'Idle', to: 'Connect', event: 'ManualStart' });
    const retry = timerNamed(a, 'connectRetry');
    const b = p.handle({ type: 'timer', timer: retry });
    assert.equal(closed(b).length, 1, 'ConnectRetry expiry dropped the attempt');
    const c = b.find((x) => x.type === 'connect');
    assert.ok(c && c.type === 'connect');
    p.handle({ type: 'Tcp_CR_Acked', conn: c.conn });
    p.handle({ type: 'message', conn: c.conn, message: peerOpen() });
    const d = p.handle({ type: 'message', conn: c.conn, message: { type: 'keepalive' } });
    assert.equal(p.state, 'Established');
    assert.ok(d.some((x) => x.type === 'established'));
    const hold = timerNamed(d, 'hold');
    assert.ok(hold.includes('#'), 'timer names are per connection machine');
    const e = p.handle({ type: 'timer', timer: hold });
    assert.deepEqual(sentOn(e, c.conn), ['notification 4/0'], 'the hold timer came back to the right machine');
  });

  it('collision, local identifier lower: our connection is closed with Cease 6/7, theirs survives', () => {
    const p = peer(); // LOCAL_ID 10.0.0.1 < PEER_ID 10.0.0.2
    const { outgoing, incoming } = twoConnections(p);
    const a = p.handle({ type: 'message', conn: outgoing, message: peerOpen() });
    assert.deepEqual(sentOn(a, outgoing), ['notification 6/7']);
    assert.ok(closed(a).includes(outgoing));
    assert.equal(p.connectionCount, 1);
    assert.equal(p.state, 'OpenSent');
    p.handle({ type: 'message', conn: incoming, message: peerOpen() });
    const b = p.handle({ type: 'message', conn: incoming, message: { type: 'keepalive' } });
    assert.equal(p.state, 'Established');
    assert.equal(p.establishedConn, incoming);
    assert.ok(b.some((x) => x.type === 'established' && x.conn === incoming));
  });

  it('collision, local identifier higher: the peer-initiated connection is closed, ours survives', () => {
    const p = peer({ routerId: 0xc0a80001 }); // 192.168.0.1 > 10.0.0.2 (and > 2^31: compared unsigned)
    const { outgoing, incoming } = twoConnections(p);
    const a = p.handle({ type: 'message', conn: incoming, message: peerOpen() });
    assert.deepEqual(sentOn(a, incoming), ['notification 6/7']);
    assert.ok(closed(a).includes(incoming));
    assert.equal(p.connectionCount, 1);
    p.handle({ type: 'message', conn: outgoing, message: peerOpen() });
    p.handle({ type: 'message', conn: outgoing, message: { type: 'keepalive' } });
    assert.equal(p.state, 'Established');
    assert.equal(p.establishedConn, outgoing);
  });

  it('an OPEN on a second connection while the first is in OpenConfirm resolves the collision', () => {
    const q = peer({ routerId: 0xc0a80001 });
    const start = q.handle({ type: 'ManualStart' });
    const c = start.find((x) => x.type === 'connect');
    assert.ok(c && c.type === 'connect');
    q.handle({ type: 'Tcp_CR_Acked', conn: c.conn });
    q.handle({ type: 'message', conn: c.conn, message: peerOpen() });
    assert.equal(q.state, 'OpenConfirm');
    const second = q.allocateConnection();
    q.handle({ type: 'TcpConnectionConfirmed', conn: second });
    const a = q.handle({ type: 'message', conn: second, message: peerOpen() });
    assert.deepEqual(sentOn(a, second), ['notification 6/7'], 'our identifier is higher: the peer-initiated one goes');
    assert.equal(q.state, 'OpenConfirm');
    assert.equal(q.connectionCount, 1);
    q.handle({ type: 'message', conn: c.conn, message: { type: 'keepalive' } });
    assert.equal(q.state, 'Established');
  });

  it('OpenConfirm connection loses to a later connection from a peer with a higher identifier', () => {
    const p = peer(); // our id lower
    const start = p.handle({ type: 'ManualStart' });
    const c = start.find((x) => x.type === 'connect');
    assert.ok(c && c.type === 'connect');
    p.handle({ type: 'Tcp_CR_Acked', conn: c.conn });
    p.handle({ type: 'message', conn: c.conn, message: peerOpen() });
    const second = p.allocateConnection();
    p.handle({ type: 'TcpConnectionConfirmed', conn: second });
    const a = p.handle({ type: 'message', conn: second, message: peerOpen() });
    assert.deepEqual(sentOn(a, c.conn), ['notification 6/7']);
    assert.ok(closed(a).includes(c.conn));
    assert.equal(p.state, 'OpenConfirm', 'the surviving connection is now in OpenConfirm');
    assert.equal(p.connectionCount, 1);
    p.handle({ type: 'message', conn: second, message: { type: 'keepalive' } });
    assert.equal(p.establishedConn, second);
  });

  it('rejects a new connection while Established with Cease 6/5 (CollisionDetectEstablishedState off)', () => {
    const p = peer();
    establishOutgoing(p);
    const extra = p.allocateConnection();
    const a = p.handle({ type: 'TcpConnectionConfirmed', conn: extra });
    assert.deepEqual(sentOn(a, extra), ['notification 6/5']);
    assert.deepEqual(closed(a), [extra]);
    assert.equal(p.state, 'Established');
  });

  it('with CollisionDetectEstablishedState, a winning new connection replaces the Established one', () => {
    const p = peer({ collisionDetectEstablished: true }); // our id lower: peer-initiated wins
    const established = establishOutgoing(p);
    const extra = p.allocateConnection();
    p.handle({ type: 'TcpConnectionConfirmed', conn: extra });
    const a = p.handle({ type: 'message', conn: extra, message: peerOpen() });
    assert.deepEqual(sentOn(a, established), ['notification 6/7']);
    assert.ok(a.some((x) => x.type === 'down'));
    p.handle({ type: 'message', conn: extra, message: { type: 'keepalive' } });
    assert.equal(p.establishedConn, extra);
    assert.equal(p.connectionCount, 1);
  });

  it('an incoming connection in Connect wins the race; the attempt still in flight becomes the second connection', () => {
    const p = peer();
    const s = p.handle({ type: 'ManualStart' }).find((x) => x.type === 'connect');
    assert.ok(s && s.type === 'connect');
    const incoming = p.allocateConnection();
    p.handle({ type: 'TcpConnectionConfirmed', conn: incoming });
    assert.equal(p.state, 'OpenSent');
    const a = p.handle({ type: 'Tcp_CR_Acked', conn: s.conn });
    assert.deepEqual(sentOn(a, s.conn), ['open']);
    assert.equal(p.connectionCount, 2);
    // The peer's OPEN on its own connection decides: our id is lower, so the peer-initiated connection stays.
    const b = p.handle({ type: 'message', conn: incoming, message: peerOpen() });
    assert.deepEqual(sentOn(b, s.conn), ['notification 6/7']);
    assert.equal(p.connectionCount, 1);
  });

  it('a second connection that fails is dropped without disturbing the first', () => {
    const p = peer();
    const { outgoing, incoming } = twoConnections(p);
    p.handle({ type: 'TcpConnectionFails', conn: incoming });
    assert.equal(p.connectionCount, 1);
    assert.equal(p.state, 'OpenSent');
    p.handle({ type: 'message', conn: outgoing, message: peerOpen() });
    assert.equal(p.state, 'OpenConfirm');
  });

  it('ManualStop closes every connection and stops every timer', () => {
    const p = peer();
    const { outgoing, incoming } = twoConnections(p);
    const a = p.handle({ type: 'ManualStop' });
    assert.deepEqual(closed(a).sort(), [outgoing, incoming].sort());
    assert.equal(p.state, 'Idle');
    assert.ok(a.every((x) => x.type !== 'start-timer'));
  });
});
