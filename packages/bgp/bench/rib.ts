// RIB benchmark: 1,000,000 IPv4 prefixes over ~50,000 attribute sets from one eBGP peer into Adj-RIB-In →
// Loc-RIB → one eBGP monitor's Adj-RIB-Out, with the best-path change feed drained as the speaker would.
// Prints time, prefixes/s and peak RSS. Usage: node dist/bench/rib.js [prefixes] [attribute sets]
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import { Rib, ipv4Key, type RouteAttributes } from '../src/rib/index.js';
import { kubeRouterPolicies } from '../src/policy/index.js';

const PREFIXES = Number(process.argv[2] ?? 1_000_000);
const ATTR_SETS = Number(process.argv[3] ?? 50_000);
const GENERATOR = '10.0.0.2';
const MONITOR = '10.0.1.2';
const PREFIX_LENGTH = 24;
const FIRST_NETWORK = 0x01000000; // 1.0.0.0: /24s from here on are all distinct
const KIB = 1024;
/** UPDATEs handled per event-loop turn (about one 64 KiB socket read of small UPDATEs). */
const UPDATES_PER_READ = 500;

function attrsFor(i: number): RouteAttributes {
  return {
    origin: Origin.IGP,
    asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001, 64512 + (i % 400), 100000 + i] }],
    nextHop: '10.0.0.2',
    med: i % 7,
    communities: [(65001 * 0x10000 + (i % 100)) >>> 0],
  };
}

function mb(bytes: number): string {
  return `${(bytes / KIB / KIB).toFixed(0)} MB`;
}

// KROUTE_BENCH_POLICY=kube-router: the generator's routes also go through kube-router's import policy (5 reject
// statements with prefix and neighbour sets; everything here is accepted, so every statement is evaluated).
const withPolicy = process.env['KROUTE_BENCH_POLICY'] === 'kube-router';
const krPolicy = kubeRouterPolicies({
  podCidrs: ['10.244.1.0/24'],
  serviceVips: Array.from({ length: 1000 }, (_, i) => `10.96.${i >> 8}.${i & 255}`),
  customImportReject: ['172.16.0.0/12'],
  nodeIps: ['10.0.0.1', GENERATOR],
  externalPeers: [MONITOR],
  enableIbgp: true,
  advertisePodCidr: true,
  overrideNextHop: false,
});
const rib = new Rib({ asn: 65000, routerId: '10.0.0.1', ...(withPolicy ? { policy: { ...krPolicy, export: undefined } } : {}) });
rib.addPeer({ address: GENERATOR, asn: 65001 });
rib.addPeer({ address: MONITOR, asn: 65002 });
rib.peerUp(GENERATOR, { routerId: 0x0a000002, localAddress: '10.0.0.1' });
rib.peerUp(MONITOR, { routerId: 0x0a000102, localAddress: '10.0.1.1' });

// Pre-build the UPDATE contents as the codec would hand them over: attributes decoded once per UPDATE, prefixes as
// keys. Not timed: this is the wire side's work.
const perSet = Math.ceil(PREFIXES / ATTR_SETS);
const updates: Array<{ attrs: RouteAttributes; keys: number[] }> = [];
for (let s = 0, p = 0; p < PREFIXES; s++) {
  const keys: number[] = [];
  for (let j = 0; j < perSet && p < PREFIXES; j++, p++) keys.push(ipv4Key(((FIRST_NETWORK + p) << 8) >>> 0, PREFIX_LENGTH));
  updates.push({ attrs: attrsFor(s), keys });
}
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
// The speaker's loop: a socket read's worth of UPDATEs into the RIB, then best-path events and the monitor's
// outbound batch (encoded and written by the codec and transport; here only counted).
let events = 0;
let sent = 0;
let groups = 0;
const onBest = (): void => {
  events++;
};
for (let u = 0; u < updates.length; u += UPDATES_PER_READ) {
  const end = Math.min(updates.length, u + UPDATES_PER_READ);
  for (let i = u; i < end; i++) rib.receive(GENERATOR, 'ipv4-unicast', updates[i]!.keys, updates[i]!.attrs);
  rib.drainBestPathChanges('ipv4-unicast', onBest);
  const out = rib.collect(MONITOR, 'ipv4-unicast');
  if (out !== null) {
    for (const g of out.announced) sent += g.prefixes.length;
    groups += out.announced.length;
  }
}
const t3 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
const seconds = (a: bigint, b: bigint): number => Number(b - a) / 1e9;
const total = seconds(t0, t3);
const peakRss = process.resourceUsage().maxRSS * KIB;
console.log(`rib bench: ${PREFIXES} prefixes, ${updates.length} attribute sets${withPolicy ? ", kube-router import policy" : ''}`);
console.log(`  ${events} best-path changes, ${sent} prefixes queued for the monitor in ${groups} attribute groups`);
console.log(`  total ${total.toFixed(3)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s CPU, ${Math.round(PREFIXES / total).toLocaleString('en')} prefixes/s`);
console.log(`  RSS before ${mb(rssBefore)}, peak RSS ${mb(peakRss)}, heap used now ${mb(process.memoryUsage().heapUsed)}`);
if (sent !== PREFIXES || events !== PREFIXES || rib.locRibSize('ipv4-unicast') !== PREFIXES) {
  console.error(`MISMATCH: sent ${sent}, events ${events}, Loc-RIB ${rib.locRibSize('ipv4-unicast')}`);
  process.exitCode = 1;
}
