// Codec benchmark: a synthetic full Internet table (1,000,000 IPv4 /24 and /22 prefixes, ~50,000 distinct
// attribute sets) packed into UPDATEs, then decoded (decodeUpdate + visiting every prefix's RIB key) and encoded
// (encodeUpdates per attribute set). Prints throughput in prefixes/s and MB/s, and peak memory.
import { performance } from 'node:perf_hooks';
import { AsPathSegmentType, Origin } from '../src/wire/constants.js';
import { forEachPrefix, nlriIpv4Key, nlriIpv6Key } from '../src/wire/nlri.js';
import type { CodecContext, LargeCommunity, PathAttributes, Prefix } from '../src/wire/types.js';
import { decodeUpdate, encodeUpdates } from '../src/wire/update.js';

const PREFIXES = 1_000_000;
const ATTRIBUTE_SETS = 50_000;
/** Share of /22 blocks announced whole rather than as four /24s. */
const SHARE_OF_22 = 0.15;
const RUNS = 5;
const FIRST_ADDRESS = 0x01000000; // 1.0.0.0
const BLOCK_22 = 1 << 10;
const BLOCK_24 = 1 << 8;
const TWO_POW_32 = 2 ** 32;

const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

/** Deterministic PRNG (mulberry32) so every run measures the same table. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeAttributeSets(random: () => number): PathAttributes[] {
  const transitAsns = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 4_200_000_000 + i : 1000 + i * 37));
  const originAsns = Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? 200_000 + i : 2000 + i));
  const sets: PathAttributes[] = [];
  for (let i = 0; i < ATTRIBUTE_SETS; i++) {
    const pathLength = 2 + Math.floor(random() * 7); // 2..8
    const asns = [65000 + (i % 3)];
    for (let h = 1; h < pathLength - 1; h++) asns.push(transitAsns[Math.floor(random() * transitAsns.length)]!);
    asns.push(originAsns[i % originAsns.length]!);
    const communities: number[] = [];
    const communityCount = Math.floor(random() * 6);
    for (let c = 0; c < communityCount; c++) communities.push((((asns[1]! & 0xffff) << 16) | Math.floor(random() * 1000)) >>> 0);
    const attrs: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
      origin: random() < 0.9 ? Origin.IGP : Origin.INCOMPLETE,
      asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns }],
      nextHop: `192.0.2.${1 + (i % 4)}`,
    };
    if (random() < 0.5) attrs.med = Math.floor(random() * 1000);
    if (communities.length > 0) attrs.communities = communities;
    if (random() < 0.1) {
      const large: LargeCommunity[] = [{ globalAdmin: asns[1]!, localData1: 1, localData2: Math.floor(random() * 100) }];
      attrs.largeCommunities = large;
    }
    sets.push(attrs);
  }
  return sets;
}

/** The table as RIB keys (length * 2^32 + address), as the speaker holds it: no object per prefix. */
function makePrefixKeys(random: () => number): number[] {
  const keys: number[] = [];
  let block = FIRST_ADDRESS;
  while (keys.length < PREFIXES) {
    if (random() < SHARE_OF_22) {
      keys.push(22 * TWO_POW_32 + block);
    } else {
      for (let i = 0; i < 4 && keys.length < PREFIXES; i++) keys.push(24 * TWO_POW_32 + block + i * BLOCK_24);
    }
    block += BLOCK_22;
  }
  return keys;
}

/** Groups prefixes by attribute set with a skewed distribution: a few sets carry many prefixes, most carry few. */
function groupPrefixes(keys: number[], random: () => number): number[][] {
  const groups: number[][] = Array.from({ length: ATTRIBUTE_SETS }, () => []);
  for (let i = 0; i < ATTRIBUTE_SETS && i < keys.length; i++) groups[i]!.push(keys[i]!); // every set used
  for (let i = ATTRIBUTE_SETS; i < keys.length; i++) {
    const r = random();
    groups[Math.floor(r * r * ATTRIBUTE_SETS)]!.push(keys[i]!);
  }
  return groups;
}

function keyToPrefix(key: number): Prefix {
  const length = Math.floor(key / TWO_POW_32);
  const address = key - length * TWO_POW_32;
  return { afi: 1, address: Uint8Array.of(address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff), length };
}

function encodeTable(sets: PathAttributes[], groups: ReadonlyArray<readonly Prefix[] | readonly number[]>): Uint8Array[] {
  const messages: Uint8Array[] = [];
  for (let i = 0; i < sets.length; i++) {
    for (const m of encodeUpdates(sets[i]!, groups[i]!, ctx, 'ipv4-unicast')) messages.push(m);
  }
  return messages;
}

let keySink = 0;
const visit = (_pathId: number, length: number, bytes: Uint8Array, offset: number): void => {
  keySink += nlriIpv4Key(bytes, offset, length);
};

function decodeTable(messages: Uint8Array[]): number {
  let prefixes = 0;
  for (let i = 0; i < messages.length; i++) {
    const update = decodeUpdate(messages[i]!, ctx);
    forEachPrefix(update.nlri, visit);
    prefixes += update.nlri.count;
  }
  return prefixes;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function report(what: string, prefixes: number, bytes: number, times: number[]): void {
  const best = Math.min(...times);
  const mid = median(times);
  const rate = (t: number): string => `${((prefixes / t) * 1000 / 1e6).toFixed(2)} M prefixes/s, ${((bytes / t) * 1000 / 1e6).toFixed(1)} MB/s`;
  console.log(`${what}: median ${mid.toFixed(0)} ms (${rate(mid)}); best ${best.toFixed(0)} ms (${rate(best)})`);
}

/** IPv6 /48s, a table the size of today's IPv6 Internet, through MP_REACH_NLRI. */
const IPV6_PREFIXES = 200_000;
const IPV6_PREFIX_LENGTH = 48;

let v6Sink = 0;
const visitV6 = (_pathId: number, length: number, bytes: Uint8Array, offset: number): void => {
  v6Sink += nlriIpv6Key(bytes, offset, length).length;
};

function ipv6Table(sets: PathAttributes[]): void {
  const groupCount = IPV6_PREFIXES / 20;
  const groups: string[][] = Array.from({ length: groupCount }, () => []);
  for (let i = 0; i < IPV6_PREFIXES; i++) {
    // 2001:db8::/32 style: words 0-2 vary, the rest are zero.
    groups[i % groupCount]!.push(String.fromCharCode(IPV6_PREFIX_LENGTH, 0x2000 + (i >>> 16), i & 0xffff, 0, 0, 0, 0, 0, 0));
  }
  const v6Sets = sets.slice(0, groupCount).map((a) => ({ ...a, nextHop: undefined }));
  const nextHop = { nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' };
  const encode = (): Uint8Array[] => v6Sets.flatMap((a, i) => encodeUpdates(a, groups[i]!, ctx, 'ipv6-unicast', nextHop));
  const messages = encode();
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  const decodeTimes: number[] = [];
  const encodeTimes: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    let t0 = performance.now();
    let n = 0;
    for (const m of messages) {
      const u = decodeUpdate(m, ctx);
      forEachPrefix(u.mpReach!.nlri, visitV6);
      n += u.mpReach!.nlri.count;
    }
    if (n !== IPV6_PREFIXES) throw new Error(`decoded ${n} IPv6 prefixes, expected ${IPV6_PREFIXES}`);
    if (run > 0) decodeTimes.push(performance.now() - t0);
    t0 = performance.now();
    encode();
    if (run > 0) encodeTimes.push(performance.now() - t0);
  }
  console.log(`IPv6 table: ${IPV6_PREFIXES} /48s, ${groupCount} attribute sets, ${messages.length} UPDATEs, ${(bytes / 1e6).toFixed(1)} MB`);
  report('IPv6 decode (MP_REACH_NLRI + every prefix key)', IPV6_PREFIXES, bytes, decodeTimes);
  report('IPv6 encode (encodeUpdates from RIB keys)', IPV6_PREFIXES, bytes, encodeTimes);
  if (v6Sink === 0) console.log('(no keys)');
}

function main(): void {
  const random = rng(7606);
  const setupStart = performance.now();
  const sets = makeAttributeSets(random);
  const keys = makePrefixKeys(random);
  const keyGroups = groupPrefixes(keys, random);
  const messages = encodeTable(sets, keyGroups);
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  console.log(
    `table: ${keys.length} prefixes, ${ATTRIBUTE_SETS} attribute sets, ${messages.length} UPDATEs, ` +
      `${(bytes / 1e6).toFixed(1)} MB (setup ${(performance.now() - setupStart).toFixed(0)} ms)`,
  );

  const decodeTimes: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    const n = decodeTable(messages);
    const t = performance.now() - t0;
    if (n !== PREFIXES) throw new Error(`decoded ${n} prefixes, expected ${PREFIXES}`);
    if (run > 0) decodeTimes.push(t); // run 0 warms the JIT up
  }
  report('decode (decodeUpdate + every prefix key)', PREFIXES, bytes, decodeTimes);

  // The speaker packs from its RIB, which holds prefixes as keys. Prefix values (one Uint8Array each) are the
  // convenience form; they are measured last, so their million objects do not burden the other figures' GC.
  const encodeWith = (what: string, input: ReadonlyArray<readonly Prefix[] | readonly number[]>): void => {
    const encodeTimes: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const t0 = performance.now();
      const out = encodeTable(sets, input);
      const t = performance.now() - t0;
      if (out.length !== messages.length) throw new Error('encode produced a different number of UPDATEs');
      if (run > 0) encodeTimes.push(t);
    }
    report(what, PREFIXES, bytes, encodeTimes);
  };
  encodeWith('encode (encodeUpdates per attribute set, from RIB keys)', keyGroups);
  encodeWith('encode (encodeUpdates per attribute set, from Prefix values)', keyGroups.map((g) => g.map(keyToPrefix)));

  ipv6Table(sets);

  const mem = process.memoryUsage();
  const maxRss = process.resourceUsage().maxRSS; // KiB
  console.log(
    `memory: peak RSS ${(maxRss / 1024).toFixed(0)} MiB; now RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, ` +
      `heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB (the table: ${(bytes / 2 ** 20).toFixed(0)} MiB of UPDATEs, 1M keys, then 1M Prefix values)`,
  );
  if (keySink === 0) console.log('(no keys)');
}

main();
