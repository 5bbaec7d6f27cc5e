// The Session without sockets: two sessions joined by an in-memory pipe, on a fake clock. Covers the driver's
// timer handling, counters, events and live configuration, deterministically.
import assert from 'node:assert/strict';
import { Session, type SessionConfig } from '../src/session/index.js';
import { asConnection, FakeClock, pipePair, type PipeEnd } from './memory-pipe.js';
import type { BgpConnection, ConnectOptions } from '../src/transport/index.js';
import { Afi, Safi } from '../src/wire/constants.js';
import type { UpdateMessage } from '../src/wire/types.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const NO_JITTER = () => 1 - 1e-12;

function pair(configA: Partial<SessionConfig> = {}) {
  const clock = new FakeClock();
  const pipes: PipeEnd[] = [];
  const connects: ConnectOptions[] = [];
  let b!: Session;
  const connect = async (o: ConnectOptions): Promise<BgpConnection> => {
    connects.push(o);
    const { out, inn } = pipePair(A, B);
    pipes.push(out, inn);
    queueMicrotask(() => b.accept(asConnection(inn)));
    return asConnection(out);
  };
  const a = new Session({ peerAddress: B, localAs: 65001, peerAs: 65002, routerId: A, holdTime: 90, ...configA }, { clock, random: NO_JITTER, connect });
  b = new Session({ peerAddress: A, localAs: 65002, peerAs: 65001, routerId: B, holdTime: 90, passive: true }, { clock, random: NO_JITTER });
  return { a, b, clock, pipes, connects };
}

describe('Session (in-memory pipe, fake clock)', () => {
  it('establishes, counts messages and exposes negotiated capabilities', async () => {
    const { a, b, clock, connects } = pair();
    const states: string[] = [];
    a.on('state', (c) => states.push(c.to));
    b.start();
    a.start();
    await clock.advance(0);
    assert.equal(a.state, 'Established');
    assert.equal(b.state, 'Established');
    assert.deepEqual(states, ['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    assert.equal(connects[0]!.host, B);
    assert.equal(connects[0]!.ttl, 1, 'eBGP: TTL 1 by default');
    assert.deepEqual(a.messages.sent, { open: 1, update: 0, notification: 0, keepalive: 1, 'route-refresh': 0 });
    assert.deepEqual(a.messages.received, { open: 1, update: 0, notification: 0, keepalive: 1, 'route-refresh': 0 });
    assert.equal(a.negotiated?.enhancedRouteRefresh, true);
    assert.equal(a.negotiated?.extendedMessage, true);
    assert.equal(a.lastStateChange?.to, 'Established');
    await clock.advance(5000);
    assert.equal(a.uptimeMs, 5000);
    const st = a.status();
    assert.equal(st.state, 'Established');
    assert.equal(st.type, 'external');
    assert.equal(st.uptimeSeconds, 5);
    assert.equal(st.keepaliveInterval, 30);
    assert.deepEqual(st.families, ['ipv4-unicast']);
    assert.deepEqual(st.capabilities, ['four-octet-as', 'route-refresh', 'enhanced-route-refresh', 'extended-message']);
    assert.doesNotThrow(() => JSON.stringify(st));
  });

  it('sends KEEPALIVEs every hold/3 and never lets a healthy session expire', async () => {
    const { a, b, clock } = pair();
    b.start();
    a.start();
    await clock.advance(0);
    const sentAt: number[] = [];
    a.on('sent', (k) => k === 'keepalive' && sentAt.push(clock.now()));
    await clock.advance(10 * 60_000);
    assert.equal(a.state, 'Established');
    assert.equal(b.state, 'Established');
    assert.equal(sentAt.length, 20, '600 s / 30 s');
    for (let i = 1; i < sentAt.length; i++) assert.equal(sentAt[i]! - sentAt[i - 1]!, 30_000);
  });

  it('hold timer expiry with a silent peer: 4/0, down event, automatic restart', async () => {
    const { a, b, clock, pipes, connects } = pair();
    b.start();
    a.start();
    await clock.advance(0);
    const downs: string[] = [];
    a.on('down', (r) => downs.push(`${r.sent?.code}/${r.sent?.subcode}`));
    pipes[1]!.blackhole = true; // b's sends to a vanish
    await clock.advance(89_999);
    assert.equal(a.state, 'Established');
    await clock.advance(1);
    assert.deepEqual(downs, ['4/0']);
    assert.equal(a.lastError.sent?.description, 'Hold Timer Expired / Unspecific');
    assert.equal(b.lastError.received?.code, 4, 'the peer got our NOTIFICATION');
    assert.equal(a.state, 'Idle');
    await clock.advance(1000);
    assert.equal(connects.length, 2, 'restarted after the restart delay');
    // b (which received our 4/0) is itself waiting out its restart delay, so it may refuse this first attempt.
    await clock.advance(15_000);
    assert.equal(a.state, 'Established');
    assert.equal(b.state, 'Established');
  });

  it('passes UPDATEs through the codec to the peer as events', async () => {
    const { a, b, clock } = pair();
    b.start();
    a.start();
    await clock.advance(0);
    const got: UpdateMessage[] = [];
    b.on('update', (u) => got.push(u));
    const nlri = { afi: Afi.IPV4, safi: Safi.UNICAST, addPath: false, bytes: new Uint8Array([24, 10, 1, 2]), count: 1 };
    const withdrawn = { ...nlri, bytes: new Uint8Array(0), count: 0 };
    a.sendUpdate({
      type: 'update',
      withdrawn,
      nlri,
      attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: A },
      treatAsWithdraw: false,
      attributeErrors: [],
    });
    await clock.advance(0);
    assert.equal(got.length, 1);
    assert.deepEqual([...got[0]!.nlri.bytes], [24, 10, 1, 2]);
    assert.equal(got[0]!.attributes.nextHop, A);
    assert.equal(a.messages.sent.update, 1);
    assert.equal(b.messages.received.update, 1);
    a.sendRouteRefresh(Afi.IPV4, Safi.UNICAST);
    const refresh: number[] = [];
    b.on('route-refresh', (m) => refresh.push(m.afi));
    await clock.advance(0);
    assert.deepEqual(refresh, [Afi.IPV4]);
  });

  it('live config: a password change resets with 6/6; a timer change does not; de-configure sends 6/3', async () => {
    const { a, b, clock } = pair();
    b.start();
    a.start();
    await clock.advance(0);
    assert.equal(a.updateConfig({ connectRetry: { initialMs: 2000, maxMs: 10_000 } }), 'applied');
    assert.equal(a.state, 'Established');
    assert.equal(a.updateConfig({ password: 'new' }), 'reset');
    await clock.advance(0);
    assert.equal(b.lastError.received?.code, 6);
    assert.equal(b.lastError.received?.subcode, 6);
    await clock.advance(5000);
    assert.equal(a.state, 'Established', 'the new session came up');
    a.deconfigure();
    await clock.advance(0);
    assert.equal(b.lastError.received?.subcode, 3);
    assert.throws(() => a.start(), /de-configured/);
  });

  it('DelayOpen: the passive side waits for the OPEN and answers with OPEN + KEEPALIVE (event 20)', async () => {
    const { a, b, clock } = pair({ delayOpen: 5 });
    b.start();
    a.start();
    await clock.advance(0);
    // a (DelayOpen) holds its OPEN; b sends its OPEN at once, so a answers straight into OpenConfirm.
    assert.equal(a.state, 'Established');
    assert.equal(a.messages.sent.open, 1);
    const c = pair({ delayOpen: 5 });
    // Nobody sends an OPEN first when both delay: a sends its own when the DelayOpenTimer expires.
    c.b.updateConfig({ delayOpen: 30 });
    c.b.start();
    c.a.start();
    await c.clock.advance(4999);
    assert.equal(c.a.messages.sent.open, 0);
    assert.equal(c.a.state, 'Connect');
    await c.clock.advance(1);
    assert.equal(c.a.messages.sent.open, 1);
    assert.equal(c.a.state, 'Established');
  });

  it('administrative shutdown carries the RFC 9003 text to the peer', async () => {
    const { a, b, clock } = pair();
    b.start();
    a.start();
    await clock.advance(0);
    a.stop('planned maintenance ✈');
    await clock.advance(0);
    assert.equal(b.lastError.received?.communication, 'planned maintenance ✈');
    assert.equal(a.state, 'Idle');
    await clock.advance(300_000);
    assert.equal(a.state, 'Idle', 'a manual stop does not restart');
  });
});
