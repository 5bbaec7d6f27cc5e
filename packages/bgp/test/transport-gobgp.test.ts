// The transport against a real BGP implementation: gobgpd 3.10 with auth-password (TCP-MD5) in a namespace.
// Success is judged on the bytes alone: gobgpd sends its OPEN (RFC 4271 §4.1: a 16-octet all-ones marker, then
// length and type 1) as soon as the TCP connection is up; with a wrong key there is no connection at all.
import assert from 'node:assert/strict';
import { type BgpConnection, BgpListener, ConnectTimeoutError, connectPeer } from '../src/transport/index.js';
import { HEADER_LENGTH, MARKER_LENGTH, MessageType } from '../src/wire/constants.js';
import { requireGobgpd, startGobgpd, useLab, waitFor, type Netns } from '@kroute/testkit';
import { kernelCounter } from './kernel-counter.js';
import { requireNetnsPrivileges } from './transport-lab.js';

const US4 = '10.84.0.1';
const US4_ACTIVE = '10.84.0.3';
const GO4 = '10.84.0.2';
const US6 = 'fd84::1';
const GO6 = 'fd84::2';
const PASSWORD = 's3cret';
const US_AS = 65001;
const GO_AS = 65002;

/** Resolves with the first HEADER_LENGTH bytes received. */
function firstHeader(conn: BgpConnection): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    conn.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= HEADER_LENGTH) resolve(buf.subarray(0, HEADER_LENGTH));
    });
  });
}

function assertOpenHeader(header: Buffer): void {
  assert.deepEqual([...header.subarray(0, MARKER_LENGTH)], new Array<number>(MARKER_LENGTH).fill(0xff));
  assert.equal(header[MARKER_LENGTH + 2], MessageType.OPEN);
}

describe('transport: against gobgpd with TCP-MD5', function () {
  this.timeout(60_000);
  const lab = useLab('gobgp');
  let nsUs: string;
  let go: Netns;
  let listener: BgpListener;
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    requireGobgpd();
    const us = await lab().netns('us');
    go = await lab().netns('go');
    nsUs = us.name;
    await lab().veth(us, go, { aAddrs: [`${US4}/24`, `${US4_ACTIVE}/24`, `${US6}/64`], bAddrs: [`${GO4}/24`, `${GO6}/64`] });
    // Our listener is up before gobgpd starts, so gobgpd's first active attempt towards US4 finds it.
    listener = await BgpListener.listen({ netns: nsUs, addresses: ['::'] });
    listener.setPeer(GO4, { md5Key: PASSWORD });
    // gobgpd connects actively to US4; US4_ACTIVE and US6 are passive so our own active opens meet its listener.
    const gobgpd = await startGobgpd(go, {
      asn: GO_AS,
      routerId: GO4,
      listenAddresses: [GO4, GO6],
      neighbors: [
        { address: US4, asn: US_AS, password: PASSWORD },
        { address: US4_ACTIVE, asn: US_AS, password: PASSWORD, passive: true },
        { address: US6, asn: US_AS, password: PASSWORD, passive: true },
      ],
    });
    // The API answers before every neighbor (and its listener MD5 key) is in place.
    await waitFor(async () => (await gobgpd.neighbors()).length === 3, { what: 'gobgpd to configure its three neighbors', timeoutMs: 15_000 });
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.destroy('test done');
  });

  after(async () => {
    await listener?.close();
  });

  it('passive: gobgpd connects to our listener with the key and sends its OPEN', async () => {
    const conn = await new Promise<BgpConnection>((resolve) =>
      listener.once('connection', (c, peer) => {
        assert.equal(peer, GO4);
        resolve(c);
      }),
    );
    open.push(conn);
    assertOpenHeader(await firstHeader(conn));
  });

  for (const [family, local, host] of [
    ['IPv4', US4_ACTIVE, GO4],
    ['IPv6', US6, GO6],
  ] as const) {
    it(`active ${family}: the right key connects and gobgpd's OPEN arrives`, async () => {
      const conn = await connectPeer({ host, localAddress: local, netns: nsUs, md5Key: PASSWORD, timeoutMs: 5000 });
      open.push(conn);
      assertOpenHeader(await firstHeader(conn));
    });

    it(`active ${family}: a wrong key never connects, and gobgpd's kernel counts TcpExtTCPMD5Failure`, async () => {
      const before = await kernelCounter(go, 'TcpExtTCPMD5Failure');
      await assert.rejects(
        connectPeer({ host, localAddress: local, netns: nsUs, md5Key: 'wrong', timeoutMs: 1500 }),
        ConnectTimeoutError,
      );
      assert.ok((await kernelCounter(go, 'TcpExtTCPMD5Failure')) > before);
    });
  }
});
