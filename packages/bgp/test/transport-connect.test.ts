// Active and passive opens between two namespaces, both ends in this process (sockets created in the namespaces
// through the addon's netns option).
import assert from 'node:assert/strict';
import {
  type BgpConnection,
  BgpListener,
  type CloseReason,
  ConnectFailedError,
  ConnectTimeoutError,
  connectPeer,
  type RejectedConnection,
  ttlSettings,
} from '../src/transport/index.js';
import { useLab, waitFor } from '@kroute/testkit';
import { linkedPair, requireNetnsPrivileges } from './transport-lab.js';

const A4 = '10.81.0.1';
const B4 = '10.81.0.2';
const B4_SECOND = '10.81.0.3';
const A6 = 'fd81::1';
const B6 = 'fd81::2';

function nextConnection(listener: BgpListener): Promise<{ conn: BgpConnection; peer: string }> {
  return new Promise((resolve) => listener.once('connection', (conn, peer) => resolve({ conn, peer })));
}

function firstData(conn: BgpConnection): Promise<Buffer> {
  return new Promise((resolve) => conn.once('data', (chunk) => resolve(Buffer.from(chunk))));
}

describe('transport: connect between namespaces', function () {
  this.timeout(30_000);
  const lab = useLab('conn');
  let nsA: string;
  let nsB: string;
  let listener: BgpListener | undefined;
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    const { a, b } = await linkedPair(lab(), [`${A4}/24`, `${A6}/64`], [`${B4}/24`, `${B4_SECOND}/24`, `${B6}/64`]);
    nsA = a.name;
    nsB = b.name;
  });

  afterEach(async () => {
    for (const c of open.splice(0)) c.destroy('test done');
    await listener?.close();
    listener = undefined;
  });

  for (const [family, local, remote] of [
    ['IPv4', A4, B4],
    ['IPv6', A6, B6],
  ] as const) {
    it(`${family}: active open reaches the listener, bytes flow both ways, options are applied`, async () => {
      listener = await BgpListener.listen({ netns: nsA, addresses: ['0.0.0.0', '::'] });
      listener.setPeer(remote, { ttl: ttlSettings({ peerType: 'external' }) });
      const accepted = nextConnection(listener);
      const client = await connectPeer({ host: local, netns: nsB, localAddress: remote, ttl: 1, timeoutMs: 5000 });
      open.push(client);
      const { conn: server, peer } = await accepted;
      open.push(server);
      assert.equal(peer, remote);
      assert.equal(server.info.direction, 'inbound');
      assert.equal(server.info.remoteAddress, remote);
      assert.equal(server.info.localPort, 179);
      assert.equal(client.info.direction, 'outbound');
      assert.equal(client.info.localAddress, remote);
      assert.equal(client.info.remotePort, 179);
      assert.deepEqual(server.readTtl(), { ttl: 1, minTtl: 0 }, 'accepted socket gets the peer TTL, not the listener 255');
      assert.deepEqual(client.readTtl(), { ttl: 1, minTtl: 0 });
      assert.equal(client.noDelay(), true);
      assert.equal(server.noDelay(), true);

      const toServer = firstData(server);
      client.send(Uint8Array.from([1, 2, 3, 4]), 'control');
      assert.deepEqual([...(await toServer)], [1, 2, 3, 4]);
      const toClient = firstData(client);
      server.send(Uint8Array.from([9, 8, 7]), 'update');
      assert.deepEqual([...(await toClient)], [9, 8, 7]);
      assert.equal(client.counters.bytesOut, 4);
      assert.equal(client.counters.bytesIn, 3);
      assert.equal(server.counters.bytesIn, 4);
      server.setTtl(ttlSettings({ peerType: 'external', multihopTtl: 3 }));
      assert.deepEqual(server.readTtl(), { ttl: 3, minTtl: 0 }, 'TTL changes apply live');

      // A graceful end on one side shows up as a remote close on the other.
      const serverClosed = new Promise<CloseReason>((resolve) => server.once('close', resolve));
      const clientClosed = new Promise<CloseReason>((resolve) => client.once('close', resolve));
      client.end('test ends the session');
      assert.deepEqual(await serverClosed, { kind: 'remote' });
      assert.deepEqual(await clientClosed, { kind: 'local', reason: 'test ends the session' });
      assert.throws(() => client.send(Uint8Array.from([0]), 'control'), { code: 'CONNECTION_CLOSED' });
    });
  }

  it('dual-stack "::" listener accepts an IPv4 peer and reports it as plain IPv4', async () => {
    listener = await BgpListener.listen({ netns: nsA, addresses: ['::'] });
    listener.setPeer(B4, { ttl: ttlSettings({ peerType: 'internal' }) });
    const accepted = nextConnection(listener);
    const client = await connectPeer({ host: A4, netns: nsB, localAddress: B4, timeoutMs: 5000 });
    open.push(client);
    const { conn, peer } = await accepted;
    open.push(conn);
    assert.equal(peer, B4);
    assert.equal(conn.info.family, 4);
    assert.deepEqual(conn.readTtl(), { ttl: 255, minTtl: 0 });
  });

  it('closes a connection from an address that is not a configured peer at once, and reports it', async () => {
    listener = await BgpListener.listen({ netns: nsA, addresses: ['0.0.0.0'] });
    listener.setPeer(B4);
    let accepted = 0;
    listener.on('connection', (c) => {
      accepted++;
      open.push(c);
    });
    const rejected = new Promise<RejectedConnection>((resolve) => listener?.once('rejected', resolve));
    // The stranger's handshake completes (the kernel accepts before we can look at the address), then we reset it.
    // Both ends live in this process, so the RST may even beat the connect callback: either way it is a reset.
    let strangerPort: number | undefined;
    const strangerOutcome = connectPeer({ host: A4, netns: nsB, localAddress: B4_SECOND, timeoutMs: 5000 }).then(
      (stranger) => {
        open.push(stranger);
        strangerPort = stranger.info.localPort;
        stranger.on('data', () => {});
        return new Promise<string | undefined>((resolve) =>
          stranger.once('close', (r) => resolve(r.kind === 'error' ? r.error.errno : r.kind)),
        );
      },
      (e: unknown) => (e instanceof ConnectFailedError ? e.errno : String(e)),
    );
    const info = await rejected;
    assert.equal(info.reason, 'unknown-peer');
    assert.equal(info.remoteAddress, B4_SECOND);
    assert.equal(info.localAddress, A4);
    assert.equal(await strangerOutcome, 'ECONNRESET');
    if (strangerPort !== undefined) assert.equal(info.remotePort, strangerPort);
    assert.equal(accepted, 0);
    // The configured peer still gets in.
    const good = await connectPeer({ host: A4, netns: nsB, localAddress: B4, timeoutMs: 5000 });
    open.push(good);
    await waitFor(() => accepted === 1, { what: 'the configured peer to be accepted', timeoutMs: 10_000, intervalMs: 50 });
  });

  it('close() stops listening at once; connections already handed out stay up', async () => {
    listener = await BgpListener.listen({ netns: nsA, addresses: ['0.0.0.0'] });
    listener.setPeer(B4);
    const accepted = nextConnection(listener);
    const client = await connectPeer({ host: A4, netns: nsB, localAddress: B4, timeoutMs: 5000 });
    open.push(client);
    const { conn } = await accepted;
    open.push(conn);
    await listener.close();
    await assert.rejects(connectPeer({ host: A4, netns: nsB, timeoutMs: 5000 }), { errno: 'ECONNREFUSED' });
    const got = firstData(client);
    conn.send(Uint8Array.from([5]), 'control');
    assert.deepEqual([...(await got)], [5]);
  });

  it('a closed port without MD5 fails fast with ECONNREFUSED', async () => {
    await assert.rejects(connectPeer({ host: A4, port: 1790, netns: nsB, timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof ConnectFailedError);
      assert.equal(e.errno, 'ECONNREFUSED');
      return true;
    });
  });

  it('the connect timeout fires when nothing answers (MD5 key set: the RST of a closed port is unsigned)', async () => {
    const started = Date.now();
    await assert.rejects(
      connectPeer({ host: A4, port: 1790, netns: nsB, md5Key: 'no-one-listens', timeoutMs: 700 }),
      (e: unknown) => {
        assert.ok(e instanceof ConnectTimeoutError, `expected ConnectTimeoutError, got ${String(e)}`);
        assert.equal(e.timeoutMs, 700);
        assert.equal(e.md5, true);
        assert.match(e.message, /TCP-MD5/);
        return true;
      },
    );
    assert.ok(Date.now() - started >= 700);
  });

  it('an attempt can be aborted', async () => {
    const ac = new AbortController();
    const attempt = connectPeer({ host: A4, port: 1790, netns: nsB, md5Key: 'x', timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(attempt, { code: 'CONNECT_ABORTED' });
  });

  it('a missing namespace is a typed error', async () => {
    await assert.rejects(connectPeer({ host: A4, netns: `${lab().id}-missing`, timeoutMs: 1000 }), {
      code: 'SOCKET_OPTION',
      errno: 'ENOENT',
    });
  });
});
