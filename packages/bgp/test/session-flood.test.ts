// Session flood in namespaces: one kroute speaker with 200 passive sessions on one listener, to 200 peer sockets
// (active kroute sessions from 200 addresses in a second namespace, in this process), all Established; then an
// extra session streams a large table to gobgpd while every session keeps sending its KEEPALIVEs on time.
// Prints the figures it measured (they are reported, not asserted).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { requireGobgpd, startGobgpd, useLab, waitFor, type Gobgpd } from '@kroute/testkit';
import { Session } from '../src/session/index.js';
import { encodeMessage } from '../src/wire/message.js';
import { Afi, Safi } from '../src/wire/constants.js';
import type { NlriList } from '../src/wire/types.js';
import { speakerIn, type Speaker } from './session-helpers.js';

const PEERS = 200;
const US_AS = 65001;
const GO_AS = 65002;
const US = '10.92.0.1';
const US_TO_GO = '10.93.0.1';
const GO = '10.93.0.2';
const HOLD = 15;
const KEEPALIVE_MS = (HOLD * 1000) / 3;
/** /24 prefixes streamed to one peer: 10.0.0.0/24 through 17.255.255.0/24 (about 2 MB of UPDATEs). */
const STREAM_PREFIXES = 8 * 65536;
/** Prefixes per UPDATE: 4 octets each for /24s, well inside 4096 octets with the attributes. */
const PER_UPDATE = 1000;

/** The i-th peer's address: 10.92.1.1, 10.92.1.2, ... */
const goAddress = (i: number): string => `10.92.${1 + (i >> 8)}.${(i & 0xff) + 1}`;

function updates(ctx: Session['negotiated']): Uint8Array[] {
  const out: Uint8Array[] = [];
  const empty: NlriList = { afi: Afi.IPV4, safi: Safi.UNICAST, addPath: false, bytes: new Uint8Array(0), count: 0 };
  for (let first = 0; first < STREAM_PREFIXES; first += PER_UPDATE) {
    const n = Math.min(PER_UPDATE, STREAM_PREFIXES - first);
    const bytes = new Uint8Array(n * 4);
    for (let k = 0; k < n; k++) {
      const p = first + k;
      bytes.set([24, 10 + (p >> 16), (p >> 8) & 0xff, p & 0xff], k * 4);
    }
    out.push(
      encodeMessage(
        {
          type: 'update',
          withdrawn: empty,
          nlri: { ...empty, bytes, count: n },
          attributes: { origin: 0, asPath: [{ type: 2, asns: [US_AS] }], nextHop: US_TO_GO },
          treatAsWithdraw: false,
          attributeErrors: [],
        },
        ctx!.encode,
      ),
    );
  }
  return out;
}

async function ribSize(gobgpd: Gobgpd): Promise<number> {
  const out = await gobgpd.cli('global', 'rib', 'summary', '-a', 'ipv4');
  const m = /Destination:\s*(\d+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

describe('session flood: 200 passive sessions on one speaker, KEEPALIVEs under an UPDATE stream to gobgpd', function () {
  this.timeout(600_000);
  const lab = useLab('sess-flood');
  let speaker: Speaker;
  let gobgpd: Gobgpd;
  let streaming: Session;
  const passive: Session[] = [];
  const active: Session[] = [];
  /** Per session of our speaker, when each KEEPALIVE was handed to the transport. */
  const keepalives = new Map<Session, number[]>();
  const track = (s: Session): void => {
    const times: number[] = [];
    keepalives.set(s, times);
    s.on('sent', (k) => k === 'keepalive' && times.push(performance.now()));
  };

  before(async () => {
    requireGobgpd();
    const us = await lab().netns('us');
    const peers = await lab().netns('peers');
    const go = await lab().netns('go');
    await lab().veth(us, peers, { aAddrs: [`${US}/16`], bAddrs: Array.from({ length: PEERS }, (_, i) => `${goAddress(i)}/16`) });
    await lab().veth(us, go, { aAddrs: [`${US_TO_GO}/24`], bAddrs: [`${GO}/24`] });
    speaker = await speakerIn(us.name);
    for (let i = 0; i < PEERS; i++) {
      const s = speaker.add({ peerAddress: goAddress(i), localAs: US_AS, peerAs: GO_AS, routerId: US, holdTime: HOLD, passive: true });
      track(s);
      s.start();
      passive.push(s);
    }
    streaming = speaker.add({ peerAddress: GO, localAddress: US_TO_GO, localAs: US_AS, peerAs: GO_AS, routerId: US, holdTime: HOLD });
    track(streaming);
    gobgpd = await startGobgpd(go, { asn: GO_AS, routerId: GO, neighbors: [{ address: US_TO_GO, asn: US_AS, passive: true, localAddress: GO, holdTime: HOLD }] });
    // The 200 peers: active sessions, each from its own address in the peers namespace.
    for (let i = 0; i < PEERS; i++) {
      active.push(
        new Session(
          { peerAddress: US, localAddress: goAddress(i), localAs: GO_AS, peerAs: US_AS, routerId: goAddress(i), holdTime: HOLD, netns: peers.name },
          {},
        ),
      );
    }
  });

  after(async () => {
    for (const s of active) s.deconfigure();
    await speaker?.close();
  });

  it(`brings ${PEERS} passive sessions to Established`, async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const s of active) s.start();
    await waitFor(() => (passive.every((s) => s.state === 'Established') ? true : undefined), {
      what: `all ${PEERS} sessions Established`,
      timeoutMs: 180_000,
      intervalMs: 20,
    }).catch((e: Error) => {
      const counts: Record<string, number> = {};
      for (const s of passive) counts[s.state] = (counts[s.state] ?? 0) + 1;
      throw new Error(`${e.message}: ${JSON.stringify(counts)}`);
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    assert.ok(active.every((s) => s.state === 'Established'), 'the peers see them Established too');
    assert.ok(passive.every((s) => s.connectionCount === 1));
    console.log(
      `      [flood] ${PEERS} passive sessions Established in ${(ms / 1000).toFixed(2)} s; ` +
        `CPU (both ends, one process) ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  });

  it('keeps every KEEPALIVE on time while one session streams a large table to gobgpd', async () => {
    streaming.start();
    await waitFor(() => (streaming.state === 'Established' ? true : undefined), { what: 'the streaming session Established', timeoutMs: 60_000 });
    const msgs = updates(streaming.negotiated);
    const start = performance.now();
    for (const times of keepalives.values()) times.length = 0;
    const cpu0 = process.cpuUsage();
    let stalls = 0;
    for (const m of msgs) {
      if (!streaming.sendUpdate(m)) {
        stalls += 1;
        await once(streaming.connection!, 'writable');
      }
    }
    const queued = performance.now() - start;
    await waitFor(async () => ((await ribSize(gobgpd)) >= STREAM_PREFIXES ? true : undefined), {
      what: `${STREAM_PREFIXES} prefixes in gobgpd`,
      timeoutMs: 300_000,
      intervalMs: 1000,
    });
    const total = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    // One more keepalive interval so every session has a KEEPALIVE after the stream ended.
    await new Promise((r) => setTimeout(r, KEEPALIVE_MS + 500));
    const end = performance.now();
    let maxGap = 0;
    let worst: Session | undefined;
    let streamingGap = 0;
    for (const [s, times] of keepalives) {
      // Gaps from the start of the stream to each KEEPALIVE in turn; the wait after the stream ensures a last one.
      assert.ok(times.length > 0 && end - times[times.length - 1]! <= KEEPALIVE_MS + 1000, `${s.peerAddress} kept sending KEEPALIVEs`);
      const points = [start, ...times];
      for (let i = 1; i < points.length; i++) {
        const gap = points[i]! - points[i - 1]!;
        if (s === streaming) streamingGap = Math.max(streamingGap, gap);
        if (gap > maxGap) {
          maxGap = gap;
          worst = s;
        }
      }
    }
    console.log(
      `      [flood] streamed ${STREAM_PREFIXES} prefixes in ${msgs.length} UPDATEs: handed to the socket in ${(queued / 1000).toFixed(1)} s ` +
        `(${stalls} backpressure waits), in gobgpd's RIB after ${(total / 1000).toFixed(1)} s (${Math.round(STREAM_PREFIXES / (total / 1000))} prefixes/s); ` +
        `CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; largest gap between KEEPALIVEs: streaming session ${(streamingGap / 1000).toFixed(2)} s, ` +
        `any of ${PEERS + 1} sessions ${(maxGap / 1000).toFixed(2)} s (${worst?.peerAddress}); interval ${KEEPALIVE_MS / 1000} s`,
    );
    assert.ok(maxGap < HOLD * 1000, `KEEPALIVE gap ${maxGap} ms stays below the hold time`);
    assert.ok([...passive, streaming].every((s) => s.state === 'Established'), 'every session stayed up');
    assert.ok(passive.every((s) => s.lastError.received === undefined && s.lastError.sent === undefined), 'no NOTIFICATION either way');
    assert.equal(await gobgpd.neighborState(US_TO_GO), 'established');
  });
});
