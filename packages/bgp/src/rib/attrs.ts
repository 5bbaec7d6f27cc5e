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

  constructor(
    readonly id: number,
    readonly key: string,
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
  }
}

function segmentsKey(segments: readonly AsPathSegment[] | undefined): string {
  if (segments === undefined) return '-';
  let s = '';
  for (const seg of segments) s += `${seg.type === AsPathSegmentType.AS_SEQUENCE ? '' : `<${seg.type}>`}${seg.asns.join(' ')};`;
  return s;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A canonical text form: equal attribute sets give equal keys. Computed once per received UPDATE, not per prefix. */
export function attributesKey(a: RouteAttributes): string {
  let k = `o${a.origin ?? '-'}|p${segmentsKey(a.asPath)}|n${a.nextHop ?? '-'}|L${a.linkLocalNextHop ?? '-'}|m${a.med ?? '-'}|l${a.localPref ?? '-'}`;
  if (a.atomicAggregate) k += '|A';
  if (a.aggregator) k += `|g${a.aggregator.asn}@${a.aggregator.address}`;
  if (a.communities) k += `|c${a.communities.join(',')}`;
  if (a.originatorId !== undefined) k += `|r${a.originatorId}`;
  if (a.clusterList) k += `|C${a.clusterList.join(',')}`;
  if (a.extendedCommunities) k += `|x${a.extendedCommunities.map(hex).join(',')}`;
  if (a.largeCommunities) k += `|X${a.largeCommunities.map((l) => `${l.globalAdmin}:${l.localData1}:${l.localData2}`).join(',')}`;
  if (a.as4Path) k += `|4${segmentsKey(a.as4Path)}`;
  if (a.as4Aggregator) k += `|G${a.as4Aggregator.asn}@${a.as4Aggregator.address}`;
  if (a.unknown) k += `|u${a.unknown.map((u) => `${u.flags}.${u.typeCode}.${hex(u.value)}`).join(',')}`;
  return k;
}

/**
 * The intern table. Entries are held weakly: an attribute set lives as long as some path (or cache) references it,
 * with no refcounting for the RIB to get wrong.
 */
export class AttrTable {
  private readonly table = new Map<string, WeakRef<AttrSet>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    const ref = this.table.get(key);
    if (ref !== undefined && ref.deref() === undefined) this.table.delete(key);
  });
  private nextId = 1;

  intern(attrs: RouteAttributes): AttrSet {
    const key = attributesKey(attrs);
    const found = this.table.get(key)?.deref();
    if (found !== undefined) return found;
    const set = new AttrSet(this.nextId++, key, Object.freeze({ ...attrs }));
    this.table.set(key, new WeakRef(set));
    this.registry.register(set, key);
    return set;
  }

  /** The set with some attributes replaced (undefined removes one). */
  derive(base: AttrSet, patch: Partial<{ -readonly [K in keyof RouteAttributes]: RouteAttributes[K] }>): AttrSet {
    const next: Record<string, unknown> = { ...base.attrs, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    return this.intern(next as RouteAttributes);
  }

  /** Distinct sets alive now (for tests and metrics). */
  get size(): number {
    return this.table.size;
  }
}
