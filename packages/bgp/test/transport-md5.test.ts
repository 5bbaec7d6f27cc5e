// TCP-MD5 (RFC 2385) between namespaces: keys on the dual-stack listener (IPv4 peers as ::ffff:a.b.c.d) and on the
// outbound socket before the SYN; wrong or missing keys never connect and the kernel counts the rejected segments.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { type BgpConnection, BgpListener, ConnectTimeoutError, connectPeer } from '../src/transport/index.js';
import { sockopt } from '../src/transport/native.js';
import { useLab, type Netns } from '@kroute/testkit';
import { kernelCounter } from './kernel-counter.js';
import { linkedPair, requireNetnsPrivileges } from './transport-lab.js';

const A4 = '10.82.0.1';
const B4 = '10.82.0.2';
const A6 = 'fd82::1';
const B6 = 'fd82::2';
/** Long enough for a SYN and its answer on a veth; a rejected SYN is never answered, so this is the failure path. */
const FAIL_TIMEOUT_MS = 1200;

describe('transport: TCP-MD5', function () {
  this.timeout(30_000);
  const lab = useLab('md5');
  let a: Netns;
  let b: Netns;
  let nsA: string;
  let nsB: string;
  let listener: BgpListener;
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    ({ a, b } = await linkedPair(lab(), [`${A4}/24`, `${A6}/64`], [`${B4}/24`, `${B6}/64`]));
    nsA = a.name;
    nsB = b.name;
    listener = await BgpListener.listen({ netns: nsA, addresses: ['::'] });
    listener.on('connection', (c) => {
      open.push(c);
      c.on('data', () => {});
    });
    listener.setPeer(B4, { md5Key: 'right-v4' });
    listener.setPeer(B6, { md5Key: 'right-v6' });
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.destroy('test done');
  });

  after(async () => {
    await listener?.close();
  });

  const attempt = (host: string, md5Key: string | null) =>
    connectPeer({ host, netns: nsB, md5Key, timeoutMs: FAIL_TIMEOUT_MS }).then((c) => {
      open.push(c);
      return c;
    });

  const neverConnects = async (host: string, md5Key: string | null): Promise<void> => {
    await assert.rejects(attempt(host, md5Key), (e: unknown) => {
      assert.ok(e instanceof ConnectTimeoutError, `expected a timeout, got ${String(e)}`);
      return true;
    });
  };

  for (const [family, local, remote, key] of [
    ['IPv4 (mapped key on the dual-stack listener)', A4, B4, 'right-v4'],
    ['IPv6', A6, B6, 'right-v6'],
  ] as const) {
    it(`${family}: the right key connects and both sockets carry it`, async () => {
      const c = await attempt(local, key);
      assert.equal(c.info.remoteAddress, local);
      const accepted = (await a.exec('ss', ['-tinHOe', 'state', 'established'])).stdout;
      const outbound = (await b.exec('ss', ['-tinHOe', 'state', 'established'])).stdout;
      assert.match(accepted, new RegExp(`md5keys:(::ffff:)?${remote.replace(/\./g, '\\.')}/`), accepted);
      assert.match(outbound, new RegExp(`md5keys:${local.replace(/\./g, '\\.')}/`), outbound);
    });

    it(`${family}: a wrong key never connects and TcpExtTCPMD5Failure counts up`, async () => {
      const before = await kernelCounter(a, 'TcpExtTCPMD5Failure');
      await neverConnects(local, 'wrong');
      assert.ok((await kernelCounter(a, 'TcpExtTCPMD5Failure')) > before);
    });

    it(`${family}: a missing key never connects and TcpExtTCPMD5NotFound counts up`, async () => {
      const before = await kernelCounter(a, 'TcpExtTCPMD5NotFound');
      await neverConnects(local, null);
      assert.ok((await kernelCounter(a, 'TcpExtTCPMD5NotFound')) > before);
    });
  }

  it('changing the key on the live listener lets the next attempt with the new key connect', async () => {
    await neverConnects(A4, 'rotated');
    listener.setPeer(B4, { md5Key: 'rotated' });
    await attempt(A4, 'rotated');
    await neverConnects(A4, 'right-v4');
  });

  it('removing the key on the live listener lets an attempt without a key connect', async () => {
    listener.setPeer(B6, { md5Key: null });
    await attempt(A6, null);
    const before = await kernelCounter(a, 'TcpExtTCPMD5Unexpected');
    await neverConnects(A6, 'right-v6');
    assert.ok((await kernelCounter(a, 'TcpExtTCPMD5Unexpected')) > before, 'a signed SYN to a key-less listener is dropped');
    listener.setPeer(B6, { md5Key: 'right-v6' });
    await attempt(A6, 'right-v6');
  });

  it('the addon sets a key for a whole prefix (TCP_MD5SIG_EXT), also IPv4-mapped on a dual-stack socket', async () => {
    const n = sockopt();
    const port = 1791;
    const fd = n.socket(6, nsA);
    n.setInt(fd, n.constants.IPPROTO_IPV6, n.constants.IPV6_V6ONLY, 0);
    n.bind(fd, '::', port);
    n.listen(fd, 8);
    n.setMd5(fd, '10.82.0.0', 'prefix-key', 24);
    n.setMd5(fd, 'fd82::', 'prefix-key6', 64);
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen({ fd }, resolve));
    try {
      (await connectPeer({ host: A4, port, netns: nsB, md5Key: 'prefix-key', timeoutMs: 5000 })).destroy('ok');
      (await connectPeer({ host: A6, port, netns: nsB, md5Key: 'prefix-key6', timeoutMs: 5000 })).destroy('ok');
      await assert.rejects(
        connectPeer({ host: A4, port, netns: nsB, md5Key: 'other', timeoutMs: FAIL_TIMEOUT_MS }),
        ConnectTimeoutError,
      );
      n.setMd5(fd, '10.82.0.0', null, 24);
      (await connectPeer({ host: A4, port, netns: nsB, timeoutMs: 5000 })).destroy('ok');
    } finally {
      server.close();
    }
  });

  it('rejects keys longer than the kernel allows (80 bytes) with a typed error', () => {
    assert.throws(() => listener.setPeer(B4, { md5Key: 'k'.repeat(81) }), { code: 'SOCKET_OPTION', errno: 'EINVAL' });
  });

  it('removePeer() removes the key as well', async () => {
    listener.setPeer(B4, { md5Key: 'right-v4' });
    listener.removePeer(B4);
    assert.ok(!listener.peers.includes(B4));
    // Unsigned now: the handshake completes and the unknown-peer filter resets it.
    const rejected = new Promise<string>((resolve) => listener.once('rejected', (info) => resolve(info.remoteAddress)));
    attempt(A4, null).catch(() => undefined);
    assert.equal(await rejected, B4);
    listener.setPeer(B4, { md5Key: 'right-v4' });
  });
});
