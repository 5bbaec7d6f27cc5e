// Sessions under faults, in network namespaces: TCP-MD5 missing/wrong/fixed live against gobgpd (with the kernel's
// MD5 counters as evidence), hold-timer expiry with a frozen gobgpd, a connection collision, and bad OPENs from a
// hand-written client.
import assert from 'node:assert/strict';
import { requireGobgpd, startGobgpd, useLab, waitFor, type Gobgpd, type Netns } from '@kroute/testkit';
import { Session } from '../src/session/index.js';
import { BgpListener, connectPeer, type BgpConnection } from '../src/transport/index.js';
import { decodeMessage } from '../src/wire/message.js';
import { MessageReader } from '../src/wire/reader.js';
import { DEFAULT_CODEC_CONTEXT, type BgpMessage, type NotificationMessage } from '../src/wire/types.js';
import { kernelCounter } from './kernel-counter.js';
import { speakerIn, waitForState, type Speaker } from './session-helpers.js';

const US_AS = 65001;
const GO_AS = 65002;

/** Count of established TCP connections between two addresses with port 179 on either end, seen from `ns`. */
async function bgpConnections(ns: Netns, a: string, b: string): Promise<number> {
  const r = await ns.exec('ss', ['-Htn', 'state', 'established', `( sport = :179 or dport = :179 )`]);
  return r.stdout.split('\n').filter((l) => l.includes(a) && l.includes(b)).length;
}

describe('session faults: TCP-MD5 against gobgpd', function () {
  this.timeout(120_000);
  const lab = useLab('sess-md5');
  const US = '10.86.0.1';
  const GO = '10.86.0.2';
  const PASSWORD = 'correct horse';
  let speaker: Speaker;
  let gobgpd: Gobgpd;
  let go: Netns;
  let session: Session;

  before(async () => {
    requireGobgpd();
    const us = await lab().netns('us');
    go = await lab().netns('go');
    await lab().veth(us, go, { aAddrs: [`${US}/24`], bAddrs: [`${GO}/24`] });
    speaker = await speakerIn(us.name);
    // gobgpd waits for us, so every SYN that reaches it is ours and the counters in its namespace are about us.
    gobgpd = await startGobgpd(go, {
      asn: GO_AS,
      routerId: GO,
      neighbors: [{ address: US, asn: US_AS, password: PASSWORD, passive: true, localAddress: GO }],
    });
    session = speaker.add({
      peerAddress: GO,
      localAddress: US,
      localAs: US_AS,
      peerAs: GO_AS,
      routerId: US,
      holdTime: 9,
      password: null,
      connectRetry: { initialMs: 1000, maxMs: 2000 },
    });
  });

  after(async () => {
    await speaker?.close();
  });

  it('without a password: no session, and gobgpd kernel counts TcpExtTCPMD5NotFound', async () => {
    const before = await kernelCounter(go, 'TcpExtTCPMD5NotFound');
    session.start();
    await waitFor(async () => ((await kernelCounter(go, 'TcpExtTCPMD5NotFound')) > before ? true : undefined), { what: 'MD5NotFound to count up' });
    assert.notEqual(session.state, 'Established');
    assert.notEqual(await gobgpd.neighborState(US), 'established');
  });

  it('with a wrong password: no session, and TcpExtTCPMD5Failure counts up', async () => {
    const before = await kernelCounter(go, 'TcpExtTCPMD5Failure');
    assert.equal(session.updateConfig({ password: 'wrong' }), 'reset');
    await waitFor(async () => ((await kernelCounter(go, 'TcpExtTCPMD5Failure')) > before ? true : undefined), { what: 'MD5Failure to count up' });
    assert.notEqual(session.state, 'Established');
    assert.equal(session.messages.received.open, 0, 'no OPEN ever arrived');
    assert.notEqual(await gobgpd.neighborState(US), 'established');
  });

  it('fixing the password live brings the session up without a restart', async () => {
    assert.equal(session.updateConfig({ password: PASSWORD }), 'reset');
    await waitForState(session, 'Established', 60_000);
    await gobgpd.waitForState(US, 'established');
  });

  it('a change that needs no new session (hold time) does not reset', async () => {
    const opens = session.messages.sent.open;
    assert.equal(session.updateConfig({ holdTime: 30 }), 'applied');
    assert.equal(session.state, 'Established');
    assert.equal(session.messages.sent.open, opens);
  });

  it('an AS change resets the session with Cease 6/6 (other configuration change)', async () => {
    const downs: string[] = [];
    session.once('down', (r) => downs.push(`${r.sent?.code}/${r.sent?.subcode}`));
    assert.equal(session.updateConfig({ localAs: 65011 }), 'reset');
    assert.deepEqual(downs, ['6/6']);
    assert.equal(session.lastError.sent?.subcode, 6);
    // gobgpd expects 65001: it answers our new OPEN with Bad Peer AS.
    await waitFor(() => (session.lastError.received?.code === 2 ? true : undefined), { what: 'gobgpd refusing AS 65011' });
    assert.equal(session.lastError.received?.subcode, 2);
    session.updateConfig({ localAs: US_AS });
    await waitForState(session, 'Established', 60_000);
  });
});

describe('session faults: hold timer with a frozen gobgpd', function () {
  this.timeout(120_000);
  const lab = useLab('sess-hold');
  const US = '10.87.0.1';
  const GO = '10.87.0.2';
  let speaker: Speaker;
  let gobgpd: Gobgpd;

  before(async () => {
    requireGobgpd();
    const us = await lab().netns('us');
    const go = await lab().netns('go');
    await lab().veth(us, go, { aAddrs: [`${US}/24`], bAddrs: [`${GO}/24`] });
    speaker = await speakerIn(us.name);
    gobgpd = await startGobgpd(go, { asn: GO_AS, routerId: GO, neighbors: [{ address: US, asn: US_AS, localAddress: GO }] });
  });

  after(async () => {
    try {
      process.kill(gobgpd.process.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    await speaker?.close();
  });

  it('sends 4/0 at hold expiry, leaves Established, and re-establishes after SIGCONT', async () => {
    const HOLD = 3;
    const session = speaker.add({ peerAddress: GO, localAddress: US, localAs: US_AS, peerAs: GO_AS, routerId: US, holdTime: HOLD, restart: { initialMs: 500, maxMs: 2000 } });
    session.start();
    await waitForState(session, 'Established', 60_000);
    await gobgpd.waitForState(US, 'established');
    assert.equal(session.negotiated?.holdTime, HOLD);
    const downs: Array<{ at: number; code?: number; subcode?: number }> = [];
    session.on('down', (r) => downs.push({ at: Date.now(), code: r.sent?.code, subcode: r.sent?.subcode }));
    const frozenAt = Date.now();
    process.kill(gobgpd.process.pid, 'SIGSTOP');
    try {
      await waitFor(() => (downs.length > 0 ? true : undefined), { what: 'hold timer expiry', timeoutMs: 15_000 });
    } finally {
      process.kill(gobgpd.process.pid, 'SIGCONT');
    }
    assert.deepEqual([downs[0]!.code, downs[0]!.subcode], [4, 0]);
    assert.equal(session.lastError.sent?.code, 4);
    // The last KEEPALIVE can arrive up to one keepalive interval (hold/3) before the freeze.
    const elapsed = downs[0]!.at - frozenAt;
    assert.ok(elapsed >= ((HOLD * 2) / 3) * 1000 - 100 && elapsed <= HOLD * 1000 + 1000, `hold expiry after ${elapsed} ms`);
    assert.notEqual(session.state, 'Established');
    await waitForState(session, 'Established', 90_000);
    await gobgpd.waitForState(US, 'established', 60_000);
  });
});

describe('session faults: connection collision with gobgpd', function () {
  this.timeout(120_000);
  const lab = useLab('sess-coll');
  const US = '10.88.0.1';
  const GO = '10.88.0.2'; // higher BGP Identifier: the connection gobgpd opened must survive (RFC 4271 §6.8)
  let listener: BgpListener;
  let session: Session | undefined;
  let us: Netns;
  let go: Netns;

  before(async () => {
    requireGobgpd();
    us = await lab().netns('us');
    go = await lab().netns('go');
    await lab().veth(us, go, { aAddrs: [`${US}/24`], bAddrs: [`${GO}/24`] });
    listener = await BgpListener.listen({ netns: us.name, addresses: ['::'] });
  });

  after(async () => {
    session?.deconfigure();
    await listener?.close();
  });

  it('both sides connect at the same moment; exactly one session is left', async () => {
    const s = new Session({ peerAddress: GO, localAddress: US, localAs: US_AS, peerAs: GO_AS, routerId: US, holdTime: 9, netns: us.name }, { listener });
    session = s;
    // Start our side at the very moment gobgpd's first connection arrives, so our SYN is in flight while theirs
    // is being accepted: two TCP connections to the same peer, both reaching OpenSent.
    listener.on('connection', (connection: BgpConnection) => {
      if (s.state === 'Idle' && s.lastStateChange === undefined) s.start();
      s.accept(connection);
    });
    const notifications: string[] = [];
    s.on('notification', (dir, n) => notifications.push(`${dir} ${n.code}/${n.subcode}`));
    const gobgpd = await startGobgpd(go, { asn: GO_AS, routerId: GO, neighbors: [{ address: US, asn: US_AS, localAddress: GO }] });
    await waitForState(s, 'Established', 60_000);
    await gobgpd.waitForState(US, 'established');
    assert.ok(
      notifications.includes('sent 6/7') || notifications.includes('received 6/7'),
      `a collision was resolved with Cease 6/7 (saw: ${notifications.join(', ') || 'none'})`,
    );
    // Let both sides finish closing the loser, then count.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(s.state, 'Established');
    assert.equal(s.connectionCount, 1);
    assert.equal(await bgpConnections(us, US, GO), 1, 'one TCP connection in the kernel');
    assert.equal(s.connection?.info.direction, 'inbound', 'the survivor is the connection gobgpd (higher id) opened');
  });
});

describe('session faults: bad OPENs from a hand-written client get the right NOTIFICATION', function () {
  this.timeout(60_000);
  const lab = useLab('sess-open');
  const US = '10.89.0.1';
  const CLIENT = '10.89.0.2';
  let speaker: Speaker;
  let client: Netns;
  let passive: Session;

  before(async () => {
    const us = await lab().netns('us');
    client = await lab().netns('cl');
    await lab().veth(us, client, { aAddrs: [`${US}/24`], bAddrs: [`${CLIENT}/24`] });
    speaker = await speakerIn(us.name);
    passive = speaker.add({ peerAddress: CLIENT, localAs: US_AS, peerAs: GO_AS, routerId: US, passive: true, restart: { initialMs: 200, maxMs: 1000 } });
    passive.start();
  });

  after(async () => {
    await speaker?.close();
  });

  /** A 29-octet OPEN without optional parameters, built by hand (RFC 4271 §4.2). */
  function rawOpen(version: number, myAs: number, holdTime: number, bgpId: number): Uint8Array {
    const b = Buffer.alloc(29);
    b.fill(0xff, 0, 16);
    b.writeUInt16BE(29, 16);
    b[18] = 1;
    b[19] = version;
    b.writeUInt16BE(myAs, 20);
    b.writeUInt16BE(holdTime, 22);
    b.writeUInt32BE(bgpId, 24);
    b[28] = 0;
    return b;
  }

  async function exchange(open: Uint8Array): Promise<{ messages: BgpMessage[]; notification: NotificationMessage }> {
    const conn = await connectPeer({ host: US, localAddress: CLIENT, netns: client.name });
    const reader = new MessageReader();
    const messages: BgpMessage[] = [];
    const done = new Promise<NotificationMessage>((resolve, reject) => {
      conn.on('close', () => reject(new Error(`closed without a NOTIFICATION after ${messages.map((m) => m.type).join(', ')}`)));
      conn.on('data', (chunk) => {
        reader.push(chunk);
        for (const m of reader) {
          const msg = decodeMessage(m, DEFAULT_CODEC_CONTEXT);
          messages.push(msg);
          if (msg.type === 'notification') resolve(msg);
        }
      });
    });
    conn.send(open, 'control');
    const notification = await done;
    conn.destroy('test done');
    return { messages, notification };
  }

  const cases: Array<[string, Uint8Array, string, number[] | undefined]> = [
    ['version 3', rawOpen(3, GO_AS, 90, 0x0a590002), '2/1', [0, 4]],
    ['a bad peer AS', rawOpen(4, 65099, 90, 0x0a590002), '2/2', undefined],
    ['hold time 1', rawOpen(4, GO_AS, 1, 0x0a590002), '2/6', undefined],
    ['BGP Identifier 0', rawOpen(4, GO_AS, 90, 0), '2/3', undefined],
  ];
  for (const [what, open, expected, data] of cases) {
    it(`${what} → ${expected}`, async () => {
      // After the previous bad OPEN the session waits in Idle (refusing connections) before listening again.
      await waitForState(passive, 'Active');
      const { messages, notification } = await exchange(open);
      assert.equal(messages[0]?.type, 'open', 'we sent our OPEN first');
      assert.equal(`${notification.code}/${notification.subcode}`, expected);
      if (data) assert.deepEqual([...notification.data], data);
    });
  }
});
