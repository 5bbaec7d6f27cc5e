// Multihop TTL and GTSM (RFC 5082) across a router namespace:  A ── R ── B  (B is two hops from A).
import assert from 'node:assert/strict';
import {
  type BgpConnection,
  BgpListener,
  connectPeer,
  ConnectFailedError,
  ConnectTimeoutError,
  ttlSettings,
} from '../src/transport/index.js';
import { useLab, waitFor, type Netns } from '@kroute/testkit';
import { kernelCounter } from './kernel-counter.js';
import { requireNetnsPrivileges } from './transport-lab.js';

const FAIL_TIMEOUT_MS = 1200;
/** How long a connection or its bytes may take to arrive over two veths, and how often to look. */
const WAIT_MS = 10_000;
const POLL_MS = 50;

interface Plan {
  family: string;
  a: string;
  b: string;
}
const PLANS: Plan[] = [
  { family: 'IPv4', a: '10.83.1.1', b: '10.83.2.2' },
  { family: 'IPv6', a: 'fd83:1::1', b: 'fd83:2::2' },
];

function collect(conn: BgpConnection): Buffer[] {
  const chunks: Buffer[] = [];
  conn.on('data', (c) => chunks.push(Buffer.from(c)));
  return chunks;
}

describe('transport: multihop TTL and GTSM across a router namespace', function () {
  this.timeout(40_000);
  const lab = useLab('mh');
  let nsA: string;
  let routerNs: Netns;
  let peerNs: Netns;
  let listener: BgpListener;
  const accepted: BgpConnection[] = [];
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    const a = await lab().netns('a');
    routerNs = await lab().netns('r');
    peerNs = await lab().netns('b');
    nsA = a.name;
    await lab().veth(a, routerNs, { aAddrs: ['10.83.1.1/24', 'fd83:1::1/64'], bAddrs: ['10.83.1.254/24', 'fd83:1::fe/64'] });
    await lab().veth(routerNs, peerNs, { aAddrs: ['10.83.2.254/24', 'fd83:2::fe/64'], bAddrs: ['10.83.2.2/24', 'fd83:2::2/64'] });
    await routerNs.sysctl('net.ipv4.ip_forward', '1');
    await routerNs.sysctl('net.ipv6.conf.all.forwarding', '1');
    await a.ip('route', 'add', 'default', 'via', '10.83.1.254');
    await a.ip('-6', 'route', 'add', 'default', 'via', 'fd83:1::fe');
    await peerNs.ip('route', 'add', 'default', 'via', '10.83.2.254');
    await peerNs.ip('-6', 'route', 'add', 'default', 'via', 'fd83:2::fe');
    listener = await BgpListener.listen({ netns: peerNs.name, addresses: ['0.0.0.0', '::'] });
    listener.on('connection', (c) => {
      accepted.push(c);
      open.push(c);
    });
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.destroy('test done');
    accepted.length = 0;
  });

  after(async () => {
    await listener?.close();
  });

  const fails = async (attempt: Promise<BgpConnection>): Promise<void> => {
    await assert.rejects(attempt, (e: unknown) => {
      // A SYN that dies on the way draws an ICMP time-exceeded, which TCP treats as a soft error: the attempt
      // normally runs into its timeout, but EHOSTUNREACH is a correct outcome too.
      assert.ok(e instanceof ConnectTimeoutError || e instanceof ConnectFailedError, String(e));
      return true;
    });
  };

  /** Registers `client` for clean-up and waits for the listener to hand out the server side of it. */
  const serverFor = async (client: BgpConnection): Promise<BgpConnection> => {
    open.push(client);
    await waitFor(() => accepted.length === 1, { what: 'the listener to accept', timeoutMs: WAIT_MS, intervalMs: POLL_MS });
    return accepted[0] as BgpConnection;
  };

  /** Sends one byte each way; the arrays fill as the bytes arrive. */
  const exchangeBytes = (client: BgpConnection, server: BgpConnection): { atServer: Buffer[]; atClient: Buffer[] } => {
    const atServer = collect(server);
    const atClient = collect(client);
    client.send(Uint8Array.from([1]), 'control');
    server.send(Uint8Array.from([2]), 'control');
    return { atServer, atClient };
  };

  for (const { family, a, b } of PLANS) {
    it(`${family}: a peer two hops away connects with TTL 2 and not with TTL 1`, async () => {
      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external', multihopTtl: 2 }) });
      await fails(connectPeer({ host: b, netns: nsA, ttl: ttlSettings({ peerType: 'external' }).ttl, timeoutMs: FAIL_TIMEOUT_MS }));
      assert.equal(accepted.length, 0);

      const client = await connectPeer({ host: b, netns: nsA, ttl: 2, timeoutMs: 5000 });
      const server = await serverFor(client);
      const { atServer, atClient } = exchangeBytes(client, server);
      await waitFor(() => atServer.length > 0 && atClient.length > 0, { what: 'bytes both ways', timeoutMs: WAIT_MS, intervalMs: POLL_MS });
      assert.deepEqual(server.readTtl(), { ttl: 2, minTtl: 0 });
    });

    it(`${family}: the accepted socket sends with the peer's TTL (1 dies at the router)`, async () => {
      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external' }) });
      const exceededBefore = await kernelCounter(routerNs, family === 'IPv4' ? 'IcmpOutTimeExcds' : 'Icmp6OutTimeExcds');
      // The SYN-ACK leaves the listener with TTL 255, so the handshake completes; the data after it does not.
      const client = await connectPeer({ host: b, netns: nsA, ttl: 2, timeoutMs: 5000 });
      const server = await serverFor(client);
      const { atServer, atClient } = exchangeBytes(client, server);
      await waitFor(() => atServer.length > 0, { what: 'bytes from the client', timeoutMs: WAIT_MS, intervalMs: POLL_MS });
      await waitFor(async () => (await kernelCounter(routerNs, family === 'IPv4' ? 'IcmpOutTimeExcds' : 'Icmp6OutTimeExcds')) > exceededBefore, {
        what: 'the router to drop our TTL-1 data',
        timeoutMs: WAIT_MS,
      });
      assert.equal(atClient.length, 0);
    });

    it(`${family}: GTSM — 1 hop allowed drops the two-hop peer (TcpExtTCPMinTTLDrop), 2 hops allowed connects`, async () => {
      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external', ttlSecurity: 1 }) });
      const gtsm1 = ttlSettings({ peerType: 'external', ttlSecurity: 1 });
      const dropsBefore = await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop');
      await fails(connectPeer({ host: b, netns: nsA, ...gtsm1, timeoutMs: FAIL_TIMEOUT_MS }));
      assert.ok((await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop')) > dropsBefore, 'the SYN arrived with TTL 254 < 255');
      assert.equal(accepted.length, 0);

      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external', ttlSecurity: 2 }) });
      const gtsm2 = ttlSettings({ peerType: 'external', ttlSecurity: 2 });
      const client = await connectPeer({ host: b, netns: nsA, ...gtsm2, timeoutMs: 5000 });
      const server = await serverFor(client);
      assert.deepEqual(server.readTtl(), { ttl: 255, minTtl: 254 });
      assert.deepEqual(client.readTtl(), { ttl: 255, minTtl: 254 });
      const { atServer, atClient } = exchangeBytes(client, server);
      await waitFor(() => atServer.length > 0 && atClient.length > 0, { what: 'bytes both ways', timeoutMs: WAIT_MS, intervalMs: POLL_MS });
    });

    it(`${family}: GTSM with a non-GTSM peer beside it: the accepted socket still drops the too-distant peer`, async () => {
      const other = family === 'IPv4' ? '10.83.9.9' : 'fd83:9::9';
      listener.setPeer(other, { ttl: ttlSettings({ peerType: 'external' }) });
      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external', ttlSecurity: 1 }) });
      try {
        // The listener cannot demand 255 of every SYN now, so the handshake completes ...
        const client = await connectPeer({ host: b, netns: nsA, ttl: 255, timeoutMs: 5000 });
        const server = await serverFor(client);
        assert.deepEqual(server.readTtl(), { ttl: 255, minTtl: 255 });
        const atServer = collect(server);
        // ... but everything the peer sends after it arrives with TTL 254 and is dropped.
        const dropsBefore = await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop');
        client.send(Uint8Array.from([1]), 'control');
        await waitFor(async () => (await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop')) > dropsBefore, { what: 'the kernel to drop the data', timeoutMs: WAIT_MS });
        assert.equal(atServer.length, 0);
      } finally {
        listener.removePeer(other);
      }
    });

    it(`${family}: GTSM drops a peer that sends with a lower TTL`, async () => {
      listener.setPeer(a, { ttl: ttlSettings({ peerType: 'external', ttlSecurity: 2 }) });
      const dropsBefore = await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop');
      await fails(connectPeer({ host: b, netns: nsA, ttl: 64, timeoutMs: FAIL_TIMEOUT_MS }));
      assert.ok((await kernelCounter(peerNs, 'TcpExtTCPMinTTLDrop')) > dropsBefore);
      assert.equal(accepted.length, 0);
    });
  }
});
