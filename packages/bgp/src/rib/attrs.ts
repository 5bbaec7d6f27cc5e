// Interned attribute sets: one immutable AttrSet per distinct attribute set, shared by every path that carries it.
// A full table of 1M prefixes typically has tens of thousands of distinct sets, so everything the decision process
// and the export rules need per path is computed once here, not per prefix.
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../wire/constants.js';
import type { AsPathSegment, PathAttributes } from '../wire/types.js';
import { asPathLength, neighborAs } from './as-path.js';

/**
 * The attributes the RIB stores for a path. `nextHop` is the family's next hop: the NEXT_HOP attribute for IPv4,
 * the MP_REACH_NLRI next hop for IPv6 (the speaker moves it here when it receives an UPDATE).
 */
export interface RouteAttributes extends PathAttributes {
  /** RFC 2545 §3: the link-local IPv6 next hop, when the peer sent one. */
  readonly linkLocalNextHop?: string;
}

/** RFC 4271 §5.1.5: the LOCAL_PREF assumed when a path carries none (the common default, as in GoBGP and FRR). */
export const DEFAULT_LOCAL_PREF = 100;

export class AttrSet {
  readonly localPref: number;
  readonly asPathLength: number;
  readonly origin: number;
  readonly med: number | undefined;
  /** RFC 4271 §9.1.2.2: the AS the path came from (leftmost AS_SEQUENCE AS), 0 when the path is empty. */
  readonly neighborAs: number;
  readonly originatorId: number | undefined;
  readonly clusterListLength: number;
  /** RFC 1997 well-known communities that restrict export. */
  readonly noAdvertise: boolean;
  readonly noExport: boolean;
  /** RFC 9494 §4.3: carries LLGR_STALE, so it is least preferred and goes only to LLGR-capable peers. */
  readonly llgrStale: boolean;
  /** RFC 9494 §4.2: carries NO_LLGR, so it is deleted instead of kept long-lived stale. */
  readonly noLlgr: boolean;

  constructor(
    readonly id: number,
    /** attributesHash(attrs), a signed 32-bit integer. */
    readonly hash: number,
    readonly attrs: RouteAttributes,
  ) {
    this.localPref = attrs.localPref ?? DEFAULT_LOCAL_PREF;
    this.asPathLength = asPathLength(attrs.asPath);
    this.origin = attrs.origin ?? Origin.INCOMPLETE;
    this.med = attrs.med;
    this.neighborAs = neighborAs(attrs.asPath);
    this.originatorId = attrs.originatorId;
    this.clusterListLength = attrs.clusterList?.length ?? 0;
    const c = attrs.communities;
    this.noAdvertise = c !== undefined && c.includes(WellKnownCommunity.NO_ADVERTISE);
    this.noExport =
      c !== undefined && (c.includes(WellKnownCommunity.NO_EXPORT) || c.includes(WellKnownCommunity.NO_EXPORT_SUBCONFED));
    this.llgrStale = c !== undefined && c.includes(WellKnownCommunity.LLGR_STALE);
    this.noLlgr = c !== undefined && c.includes(WellKnownCommunity.NO_LLGR);
  }
}

function numbers(xs: readonly number[]): string {
  let s = '';
  for (let i = 0; i < xs.length; i++) s += i === 0 ? `${xs[i]}` : `,${xs[i]}`;
  return s;
}

function segmentsKey(segments: readonly AsPathSegment[] | undefined): string {
  if (segments === undefined) return '-';
  let s = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    s += seg.type === AsPathSegmentType.AS_SEQUENCE ? `${numbers(seg.asns)};` : `<${seg.type}>${numbers(seg.asns)};`;
  }
  return s;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A canonical text form: equal attribute sets give equal keys. Computed once per received UPDATE, not per prefix. */
export function attributesKey(a: RouteAttributes): string {
  let k = `${a.origin ?? '-'}|${segmentsKey(a.asPath)}|${a.nextHop ?? '-'}|${a.med ?? '-'}|${a.localPref ?? '-'}`;
  if (a.linkLocalNextHop !== undefined) k += `|L${a.linkLocalNextHop}`;
  if (a.atomicAggregate) k += '|A';
  if (a.aggregator) k += `|g${a.aggregator.asn}@${a.aggregator.address}`;
  if (a.communities) k += `|c${numbers(a.communities)}`;
  if (a.originatorId !== undefined) k += `|r${a.originatorId}`;
  if (a.clusterList) k += `|C${numbers(a.clusterList)}`;
  if (a.extendedCommunities) k += `|x${a.extendedCommunities.map(hex).join(',')}`;
  if (a.largeCommunities) k += `|X${a.largeCommunities.map((l) => `${l.globalAdmin}:${l.localData1}:${l.localData2}`).join(',')}`;
  if (a.as4Path) k += `|4${segmentsKey(a.as4Path)}`;
  if (a.as4Aggregator) k += `|G${a.as4Aggregator.asn}@${a.as4Aggregator.address}`;
  if (a.unknown) k += `|u${a.unknown.map((u) => `${u.flags}.${u.typeCode}.${hex(u.value)}`).join(',')}`;
  return k;
}

const FNV_PRIME = 0x01000193;
const FNV_OFFSET = 0x811c9dc5;
const UNDEFINED_MARK = 0x9e3779b9;

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, FNV_PRIME);
}

function mixString(h: number, s: string | undefined): number {
  if (s === undefined) return mix(h, UNDEFINED_MARK);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

function mixNumbers(h: number, xs: readonly number[] | undefined): number {
  if (xs === undefined) return mix(h, UNDEFINED_MARK);
  for (let i = 0; i < xs.length; i++) h = mix(h, xs[i]! | 0);
  return mix(h, xs.length);
}

function mixSegments(h: number, segs: readonly AsPathSegment[] | undefined): number {
  if (segs === undefined) return mix(h, UNDEFINED_MARK);
  for (let i = 0; i < segs.length; i++) h = mixNumbers(mix(h, segs[i]!.type), segs[i]!.asns);
  return mix(h, segs.length);
}

/**
 * A 32-bit hash of the attributes that decide path selection and identity (rarer attributes go through the key
 * text). No strings are built for the common attributes, so interning one UPDATE's set costs well under a
 * microsecond; equality is then checked field by field.
 */
export function attributesHash(a: RouteAttributes): number {
  let h = FNV_OFFSET;
  h = mix(h, a.origin ?? UNDEFINED_MARK);
  h = mixSegments(h, a.asPath);
  h = mixString(h, a.nextHop);
  h = mix(h, a.med ?? UNDEFINED_MARK);
  h = mix(h, a.localPref ?? UNDEFINED_MARK);
  h = mixNumbers(h, a.communities);
  h = mix(h, a.originatorId ?? UNDEFINED_MARK);
  h = mixNumbers(h, a.clusterList);
  const rare = rareKey(a);
  if (rare !== '') h = mixString(h, rare);
  return h | 0; // signed 32-bit: stays a V8 small integer as a Map key (no boxed double)
}

function sameNumbers(x: readonly number[] | undefined, y: readonly number[] | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function sameSegments(x: readonly AsPathSegment[] | undefined, y: readonly AsPathSegment[] | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i]!.type !== y[i]!.type || !sameNumbers(x[i]!.asns, y[i]!.asns)) return false;
  return true;
}

/** Text of the attributes outside the hash's fast path ('' when there are none, the common case). */
function rareKey(a: RouteAttributes): string {
  if (
    a.linkLocalNextHop === undefined &&
    a.atomicAggregate === undefined &&
    a.aggregator === undefined &&
    a.extendedCommunities === undefined &&
    a.largeCommunities === undefined &&
    a.as4Path === undefined &&
    a.as4Aggregator === undefined &&
    a.unknown === undefined
  ) {
    return '';
  }
  return attributesKey({
    linkLocalNextHop: a.linkLocalNextHop,
    atomicAggregate: a.atomicAggregate,
    aggregator: a.aggregator,
    extendedCommunities: a.extendedCommunities,
    largeCommunities: a.largeCommunities,
    as4Path: a.as4Path,
    as4Aggregator: a.as4Aggregator,
    unknown: a.unknown,
  });
}

export function attributesEqual(a: RouteAttributes, b: RouteAttributes): boolean {
  return (
    a.origin === b.origin &&
    a.nextHop === b.nextHop &&
    a.med === b.med &&
    a.localPref === b.localPref &&
    a.originatorId === b.originatorId &&
    sameSegments(a.asPath, b.asPath) &&
    sameNumbers(a.communities, b.communities) &&
    sameNumbers(a.clusterList, b.clusterList) &&
    rareKey(a) === rareKey(b)
  );
}

type MutableAttributes = { -readonly [K in keyof RouteAttributes]?: RouteAttributes[K] };

/** A copy without undefined members (no `delete`, which would push V8 objects into slow dictionary mode). */
function compact(a: RouteAttributes, patch?: MutableAttributes): RouteAttributes {
  const out: Record<string, unknown> = {};
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  if (patch !== undefined) {
    for (const k in patch) {
      const v = (patch as Record<string, unknown>)[k];
      if (v === undefined) {
        if (k in out) {
          // Rebuild rather than delete: rare (a removal), and keeps the object fast.
          const next: Record<string, unknown> = {};
          for (const j in out) if (j !== k) next[j] = out[j];
          return compact(next as RouteAttributes, withoutKey(patch, k));
        }
      } else {
        out[k] = v;
      }
    }
  }
  return out as RouteAttributes;
}

function withoutKey(patch: MutableAttributes, key: string): MutableAttributes {
  const next: Record<string, unknown> = {};
  for (const k in patch) if (k !== key) next[k] = (patch as Record<string, unknown>)[k];
  return next as MutableAttributes;
}

/**
 * The intern table. Entries are held weakly: an attribute set lives as long as some path (or cache) references it,
 * with no refcounting for the RIB to get wrong.
 */
export class AttrTable {
  /** hash → the live sets with that hash (almost always one). */
  private readonly table = new Map<number, WeakRef<AttrSet> | Array<WeakRef<AttrSet>>>();
  private readonly registry = new FinalizationRegistry<number>((hash) => this.prune(hash));
  private nextId = 1;
  private count = 0;

  intern(attrs: RouteAttributes): AttrSet {
    const hash = attributesHash(attrs);
    const slot = this.table.get(hash);
    if (slot !== undefined) {
      if (!Array.isArray(slot)) {
        const found = slot.deref();
        if (found !== undefined && attributesEqual(found.attrs, attrs)) return found;
      } else {
        for (const ref of slot) {
          const found = ref.deref();
          if (found !== undefined && attributesEqual(found.attrs, attrs)) return found;
        }
      }
    }
    // Copied so the caller cannot change a shared set; not frozen (freezing costs more than everything else here).
    const set = new AttrSet(this.nextId++, hash, compact(attrs));
    const ref = new WeakRef(set);
    if (slot === undefined) this.table.set(hash, ref);
    else if (Array.isArray(slot)) slot.push(ref);
    else this.table.set(hash, [slot, ref]);
    this.registry.register(set, hash);
    this.count++;
    return set;
  }

  private prune(hash: number): void {
    const slot = this.table.get(hash);
    if (slot === undefined) return;
    if (!Array.isArray(slot)) {
      if (slot.deref() === undefined) {
        this.table.delete(hash);
        this.count--;
      }
      return;
    }
    const live = slot.filter((r) => r.deref() !== undefined);
    this.count -= slot.length - live.length;
    if (live.length === 0) this.table.delete(hash);
    else this.table.set(hash, live.length === 1 ? live[0]! : live);
  }

  /** The set with some attributes replaced (undefined removes one). */
  derive(base: AttrSet, patch: MutableAttributes): AttrSet {
    return this.intern(compact(base.attrs, patch));
  }

  /** Distinct sets held now (for tests and metrics; collected sets leave after their finalizer runs). */
  get size(): number {
    return this.count;
  }
}
