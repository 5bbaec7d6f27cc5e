// bgperf-style speaker benchmark in network namespaces: generator → target → monitor.
//   generator: this process, speaking BGP with our own codec and session (gobgp `global rib add` is far too slow for
//              1M), announces N unique IPv4 /24s packed in ~N/20 attribute sets, then End-of-RIB;
//   target:    kroute (bench/helpers/speaker-target.ts, its own process), then gobgpd 3.10 as a plain eBGP transit;
//   monitor:   gobgpd 3.10, counting what the target passes on.
// Reported per target and N: time until the target holds all N, until the monitor has all N, the target's CPU
// seconds and peak RSS, and kroute/gobgpd ratios. Usage: node dist/bench/speaker.js [N ...] [--kroute-only]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireGobgpd, requireNetns, startGobgpd, waitFor, withLab, type Gobgpd, type Lab, type ManagedProcess } from '@kroute/testkit';
import { Session } from '../src/session/index.js';
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import { encodeUpdates, endOfRib } from '../src/wire/update.js';
import { DEFAULT_CODEC_CONTEXT, type CodecContext, type PathAttributes } from '../src/wire/types.js';
import { ipv4Key } from '../src/rib/prefix.js';
import type { TargetMessage } from './helpers/speaker-target.js';

const args = process.argv.slice(2);
const SIZES = args.filter((a) => /^\d+$/.test(a)).map(Number);
const NS = SIZES.length > 0 ? SIZES : [100_000, 1_000_000];
const TARGETS = args.includes('--kroute-only') ? ['kroute'] : ['kroute', 'gobgpd'];
const GEN = { asn: 65100, address: '10.50.1.2', routerId: '10.50.1.2' };
const TGT = { asn: 65200, genSide: '10.50.1.1', monSide: '10.50.2.1', routerId: '10.50.1.1' };
const MON = { asn: 65300, address: '10.50.2.2', routerId: '10.50.2.2' };
const PREFIXES_PER_ATTR_SET = 20;
const FIRST_NETWORK = 0x010000;
const PREFIX_LENGTH = 24;
const POLL_MS = 250;
const RUN_TIMEOUT_MS = 600_000;
const CLOCK_TICKS = 100;
const KIB = 1024;
const MIB = KIB * KIB;
const CTX: CodecContext = { ...DEFAULT_CODEC_CONTEXT, fourOctetAs: true };

interface Result {
  target: string;
  n: number;
  heldS: number;
  monitorS: number;
  cpuS: number;
  rssMb: number;
}

function attrsFor(i: number): PathAttributes {
  return {
    origin: Origin.IGP,
    asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [GEN.asn, 64512 + (i % 400), 100000 + i] }],
    nextHop: GEN.address,
    med: i % 7,
    communities: [(GEN.asn * 0x10000 + (i % 100)) >>> 0],
  };
}

/** The generator's table as packed UPDATE messages (built before timing starts). */
function buildTable(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = 0, p = 0; p < n; s++) {
    const keys: number[] = [];
    for (let j = 0; j < PREFIXES_PER_ATTR_SET && p < n; j++, p++) keys.push(ipv4Key(((FIRST_NETWORK + p) << 8) >>> 0, PREFIX_LENGTH));
    out.push(...encodeUpdates(attrsFor(s), keys, CTX, 'ipv4-unicast'));
  }
  out.push(endOfRib('ipv4-unicast', CTX));
  return out;
}

/** Sends every message, pausing on backpressure. */
async function blast(session: Session, messages: readonly Uint8Array[]): Promise<void> {
  for (const m of messages) {
    if (!session.sendUpdate(m)) {
      const c = session.connection!;
      await new Promise<void>((resolve) => c.once('writable', resolve));
    }
  }
}

function procUsage(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5); after the ")" the first field is the 3rd.
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssMb: Number(hwm?.[1] ?? 0) / KIB };
}

async function received(g: Gobgpd, neighbor: string): Promise<number> {
  const ns = await g.neighbors();
  return ns.find((x) => x.address === neighbor)?.received ?? 0;
}

async function run(lab: Lab, target: string, n: number, table: readonly Uint8Array[]): Promise<Result> {
  const gen = await lab.netns('gen');
  const tgt = await lab.netns('tgt');
  const mon = await lab.netns('mon');
  await lab.veth(gen, tgt, { aAddrs: [`${GEN.address}/24`], bAddrs: [`${TGT.genSide}/24`] });
  await lab.veth(tgt, mon, { aAddrs: [`${TGT.monSide}/24`], bAddrs: [`${MON.address}/24`] });
  const monitor = await startGobgpd(mon, {
    asn: MON.asn,
    routerId: MON.routerId,
    neighbors: [{ address: TGT.monSide, asn: TGT.asn, passive: target === 'kroute' }],
  });
  let kroute: ManagedProcess | undefined;
  let gobgpTarget: Gobgpd | undefined;
  const messages: TargetMessage[] = [];
  if (target === 'kroute') {
    // KROUTE_BENCH_TARGET: another target script URL, e.g. a wrapper that profiles the real one.
    const script = fileURLToPath(new URL(process.env.KROUTE_BENCH_TARGET ?? './helpers/speaker-target.js', import.meta.url));
    const cfg = { asn: TGT.asn, routerId: TGT.routerId, generator: { address: GEN.address, asn: GEN.asn }, monitor: { address: MON.address, asn: MON.asn }, prefixes: n };
    kroute = tgt.spawn(process.execPath, [script, JSON.stringify(cfg)], { ipc: true, logFile: tgt.file('kroute-target.log') });
    kroute.child.on('message', (m: TargetMessage) => messages.push({ ...m, ...(m.type === 'held' ? { at: Date.now() } : {}) }));
    await waitFor(() => messages.some((m) => m.type === 'ready') || undefined, { what: 'kroute target ready', timeoutMs: 30_000 });
  } else {
    gobgpTarget = await startGobgpd(tgt, {
      asn: TGT.asn,
      routerId: TGT.routerId,
      neighbors: [
        { address: GEN.address, asn: GEN.asn, passive: true },
        { address: MON.address, asn: MON.asn },
      ],
    });
  }
  const session = new Session(
    { peerAddress: TGT.genSide, peerAs: TGT.asn, localAs: GEN.asn, routerId: GEN.routerId, localAddress: GEN.address, netns: gen.name, holdTime: 90, connectRetry: { initialMs: 500, maxMs: 2000 } },
    {},
  );
  session.start();
  try {
    await waitFor(() => session.state === 'Established' || undefined, { what: 'generator session', timeoutMs: 60_000 });
    await monitor.waitForState(TGT.monSide, 'established', 60_000);
    const t0 = Date.now();
    const sending = blast(session, table);
    let heldAt: number | undefined;
    let monitorAt: number | undefined;
    await waitFor(
      async () => {
        if (heldAt === undefined) {
          if (kroute) {
            const h = messages.find((m) => m.type === 'held');
            if (h && h.type === 'held') heldAt = h.at;
          } else if ((await received(gobgpTarget!, GEN.address)) >= n) heldAt = Date.now();
        }
        if (monitorAt === undefined && (await received(monitor, TGT.monSide)) >= n) monitorAt = Date.now();
        return heldAt !== undefined && monitorAt !== undefined;
      },
      { what: `${target} transit of ${n} prefixes`, timeoutMs: RUN_TIMEOUT_MS, intervalMs: POLL_MS },
    );
    await sending;
    let usage: { cpuS: number; rssMb: number };
    if (kroute) {
      kroute.child.send({ type: 'usage' });
      const u = await waitFor(() => messages.find((m) => m.type === 'usage'), { what: 'kroute usage', timeoutMs: 10_000 });
      if (u.type !== 'usage') throw new Error('unreachable');
      usage = { cpuS: u.cpuSeconds, rssMb: u.maxRssBytes / MIB };
    } else {
      usage = procUsage(gobgpTarget!.process.pid);
    }
    return { target, n, heldS: (heldAt! - t0) / 1000, monitorS: (monitorAt! - t0) / 1000, ...usage };
  } finally {
    session.deconfigure();
  }
}

requireNetns();
requireGobgpd();
const results: Result[] = [];
for (const n of NS) {
  const table = buildTable(n);
  for (const target of TARGETS) {
    const r = await withLab(`spkbench-${target}`, (lab) => run(lab, target, n, table));
    results.push(r);
    console.log(
      `speaker bench: ${target.padEnd(6)} N=${String(n).padStart(9)}  target holds all after ${r.heldS.toFixed(2)} s, ` +
        `monitor has all after ${r.monitorS.toFixed(2)} s, target CPU ${r.cpuS.toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MB`,
    );
  }
  const k = results.find((r) => r.n === n && r.target === 'kroute');
  const g = results.find((r) => r.n === n && r.target === 'gobgpd');
  if (k && g) {
    console.log(
      `speaker bench: N=${n} kroute/gobgpd: hold ${(k.heldS / g.heldS).toFixed(3)}×, monitor ${(k.monitorS / g.monitorS).toFixed(3)}×, ` +
        `CPU ${(k.cpuS / g.cpuS).toFixed(3)}×, peak RSS ${(k.rssMb / g.rssMb).toFixed(3)}×`,
    );
  }
}
