// The transport against a real BGP implementation: gobgpd 3.10 with auth-password (TCP-MD5) in a namespace.
// Success is judged on the bytes alone: gobgpd sends its OPEN (RFC 4271 §4.1: a 16-octet all-ones marker, then
// length and type 1) as soon as the TCP connection is up; with a wrong key there is no connection at all.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BgpConnection, BgpListener, ConnectTimeoutError, connectPeer } from '../src/transport/index.js';
import { NetnsLab, requireNetnsPrivileges, sh, waitFor } from './transport-lab.js';

const US4 = '10.84.0.1';
const US4_ACTIVE = '10.84.0.3';
const GO4 = '10.84.0.2';
const US6 = 'fd84::1';
const GO6 = 'fd84::2';
const PASSWORD = 's3cret';
const MARKER_LENGTH = 16;
const HEADER_LENGTH = 19;
const MSG_OPEN = 1;

function gobgpdConfig(): string {
  const neighbor = (address: string, passive: boolean, afi: string) => `
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${address}"
    peer-as = 65001
    auth-password = "${PASSWORD}"
  [neighbors.transport.config]
    passive-mode = ${passive}
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "${afi}"
`;
  return `[global.config]
  as = 65002
  router-id = "${GO4}"
  port = 179
  local-address-list = ["${GO4}", "${GO6}"]
${neighbor(US4, false, 'ipv4-unicast')}${neighbor(US4_ACTIVE, true, 'ipv4-unicast')}${neighbor(US6, true, 'ipv6-unicast')}`;
}

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
  assert.equal(header[MARKER_LENGTH + 2], MSG_OPEN);
}

describe('transport: against gobgpd with TCP-MD5', function () {
  this.timeout(60_000);
  let lab: NetnsLab;
  let nsUs: string;
  let nsGo: string;
  let listener: BgpListener;
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    if (!existsSync('/usr/bin/gobgpd')) throw new Error('gobgpd is not installed (apt-get install -y gobgpd)');
    lab = new NetnsLab('gobgp');
    nsUs = lab.ns('us');
    nsGo = lab.ns('go');
    lab.link({ ns: nsUs, addresses: [`${US4}/24`, `${US4_ACTIVE}/24`, `${US6}/64`] }, { ns: nsGo, addresses: [`${GO4}/24`, `${GO6}/64`] });
    // Our listener is up before gobgpd starts, so gobgpd's first active attempt towards US4 finds it.
    listener = await BgpListener.listen({ netns: nsUs, addresses: ['::'] });
    listener.setPeer(GO4, { md5Key: PASSWORD });
    const config = join(lab.dir, 'gobgpd.toml');
    writeFileSync(config, gobgpdConfig());
    const gobgpd = lab.spawn(nsGo, 'gobgpd', ['-f', config, '-p', '--api-hosts', '127.0.0.1:50051', '--pprof-disable']);
    let log = '';
    gobgpd.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    gobgpd.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await waitFor(
      `gobgpd to listen on port 179 (log: ${log.slice(-500)})`,
      () => gobgpd.exitCode === null && /:179\b/.test(sh('ip', ['netns', 'exec', nsGo, 'ss', '-ltnH'])),
      15_000,
      100,
    );
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.destroy('test done');
  });

  after(async () => {
    await listener?.close();
    await lab?.cleanup();
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
      const before = lab.counter(nsGo, 'TcpExtTCPMD5Failure');
      await assert.rejects(
        connectPeer({ host, localAddress: local, netns: nsUs, md5Key: 'wrong', timeoutMs: 1500 }),
        ConnectTimeoutError,
      );
      assert.ok(lab.counter(nsGo, 'TcpExtTCPMD5Failure') > before);
    });
  }
});
