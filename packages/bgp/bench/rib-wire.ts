// The speaker's pure pipeline without sockets: 1,000,000 IPv4 prefixes over ~50,000 attribute sets arrive as
// packed UPDATE messages from a generator peer; each is decoded, applied to the RIB (Adj-RIB-In → Loc-RIB), and
// after every socket read's worth the best-path feed is drained and the monitor peer's batch is packed into
// UPDATEs. Prints the time until the RIB holds every prefix, the time until the monitor's UPDATEs are all built,
// CPU seconds and peak RSS. Usage: node dist/bench/rib-wire.js [prefixes] [attribute sets]
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import { decodeUpdate, encodeUpdates } from '../src/wire/update.js';
import { DEFAULT_CODEC_CONTEXT, type CodecContext, type PathAttributes } from '../src/wire/types.js';
import { Rib, applyUpdate, encodeOutbound, ipv4Key } from '../src/rib/index.js';

const PREFIXES = Number(process.argv[2] ?? 1_000_000);
const ATTR_SETS = Number(process.argv[3] ?? 50_000);
const GENERATOR = '10.0.0.2';
const MONITOR = '10.0.1.2';
const FIRST_NETWORK = 0x01000000;
const PREFIX_LENGTH = 24;
const KIB = 1024;
/** About one 64 KiB socket read of full 4 KiB UPDATEs. */
const MESSAGES_PER_READ = 16;
const CTX: CodecContext = { ...DEFAULT_CODEC_CONTEXT, fourOctetAs: true };

function attrsFor(i: number): PathAttributes {
  return {
    origin: Origin.IGP,
    asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001, 64512 + (i % 400), 100000 + i] }],
    nextHop: GENERATOR,
    med: i % 7,
    communities: [(65001 * 0x10000 + (i % 100)) >>> 0],
  };
}

// The generator's side, not timed: the table as UPDATE messages.
const perSet = Math.ceil(PREFIXES / ATTR_SETS);
const inbound: Uint8Array[] = [];
let inboundBytes = 0;
for (let s = 0, p = 0; p < PREFIXES; s++) {
  const keys: number[] = [];
  for (let j = 0; j < perSet && p < PREFIXES; j++, p++) keys.push(ipv4Key(((FIRST_NETWORK + p) << 8) >>> 0, PREFIX_LENGTH));
  for (const m of encodeUpdates(attrsFor(s), keys, CTX, 'ipv4-unicast')) {
    inbound.push(m);
    inboundBytes += m.length;
  }
}

const rib = new Rib({ asn: 65000, routerId: '10.0.0.1' });
rib.addPeer({ address: GENERATOR, asn: 65001 });
rib.addPeer({ address: MONITOR, asn: 65002 });
rib.peerUp(GENERATOR, { routerId: 0x0a000002, localAddress: '10.0.0.1' });
rib.peerUp(MONITOR, { routerId: 0x0a000102, localAddress: '10.0.1.1' });
for (const m of encodeOutbound(rib.collect(MONITOR, 'ipv4-unicast')!, CTX)) void m; // initial End-of-RIB

global.gc?.();
const rssBefore = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let outMessages = 0;
let outBytes = 0;
let events = 0;
const onBest = (): void => {
  events++;
};
let held = 0n;
for (let i = 0; i < inbound.length; i += MESSAGES_PER_READ) {
  const end = Math.min(inbound.length, i + MESSAGES_PER_READ);
  for (let j = i; j < end; j++) applyUpdate(rib, GENERATOR, decodeUpdate(inbound[j]!, CTX));
  if (end === inbound.length) held = process.hrtime.bigint();
  rib.drainBestPathChanges('ipv4-unicast', onBest);
  const batch = rib.collect(MONITOR, 'ipv4-unicast');
  if (batch !== null) {
    for (const m of encodeOutbound(batch, CTX)) {
      outMessages++;
      outBytes += m.length;
    }
  }
}
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
const sec = (a: bigint, b: bigint): string => (Number(b - a) / 1e9).toFixed(3);
const total = Number(t1 - t0) / 1e9;
const mb = (b: number): string => `${(b / KIB / KIB).toFixed(0)} MB`;
console.log(`rib-wire bench: ${PREFIXES} prefixes, ${ATTR_SETS} attribute sets, ${inbound.length} UPDATEs in (${mb(inboundBytes)})`);
console.log(`  RIB holds all prefixes after ${sec(t0, held)} s; monitor UPDATEs built after ${total.toFixed(3)} s`);
console.log(`  ${outMessages} UPDATEs out (${mb(outBytes)}), ${events} best-path changes`);
console.log(`  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s, ${Math.round(PREFIXES / total).toLocaleString('en')} prefixes/s`);
console.log(`  RSS before ${mb(rssBefore)}, peak RSS ${mb(process.resourceUsage().maxRSS * KIB)}`);
if (rib.locRibSize('ipv4-unicast') !== PREFIXES || rib.adjRibOutSize(MONITOR, 'ipv4-unicast') !== PREFIXES) {
  console.error(`MISMATCH: Loc-RIB ${rib.locRibSize('ipv4-unicast')}, monitor Adj-RIB-Out ${rib.adjRibOutSize(MONITOR, 'ipv4-unicast')}`);
  process.exitCode = 1;
}
