// The speaker's pure core: Adj-RIB-In (pre- and post-policy) per peer, the Loc-RIB, Adj-RIB-Out per peer, and the
// update state between them. No sockets, no timers: the speaker feeds it received routes and session events, and
// pulls best-path changes and per-peer outbound updates. Time comes from an injected clock (path ages only).
import { Origin, WellKnownCommunity } from '../wire/constants.js';
import type { Family } from '../wire/types.js';
import type { PolicyConfig } from '../policy/types.js';
import { PolicyEngine } from '../policy/engine.js';
import { mergeAs4Path } from './as-path.js';
import { AttrTable, type AttrSet, type RouteAttributes } from './attrs.js';
import type { DecisionOptions } from './decision.js';
import { RibError } from './errors.js';
import { inboundLoop, parseClusterId, sanitizeInbound, type LocalIdentity } from './export-rules.js';
import { LocRib } from './loc-rib.js';
import { EVENTS_READER, Outbound, type BestPathListener, type OutboundUpdate } from './outbound.js';
import { PeerState } from './peer-state.js';
import { Path, Peer, type PeerSession, type PeerSpec } from './path.js';
import { parseIpv4, type PrefixKey } from './prefix.js';

export type { AnnouncedGroup, BestPathListener, OutboundUpdate } from './outbound.js';

export const FAMILIES: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];
const MS_PER_SECOND = 1000;
/** The address of the pseudo-peer that owns locally originated paths. */
export const LOCAL_PEER = 'local';

function fam(family: Family): 0 | 1 {
  return family === 'ipv4-unicast' ? 0 : 1;
}

export interface RibOptions extends DecisionOptions {
  readonly asn: number;
  /** Our BGP Identifier, as a uint32 or a dotted quad. */
  readonly routerId: number | string;
  /** RFC 4456 §7 cluster ID (uint32 or IPv4 text); defaults to the router ID. */
  readonly clusterId?: number | string;
  readonly policy?: PolicyConfig;
  /** Milliseconds; only used to stamp path ages. */
  readonly clock?: () => number;
  /** Keep a best-path change feed for drainBestPathChanges (default true). */
  readonly bestPathEvents?: boolean;
}

export interface ReceiveResult {
  /** Prefixes held from this peer now (all families, pre-policy). */
  readonly received: number;
  /** RFC 4486: past the peer's maxPrefixes; the session must send Cease 6/1 and close. */
  readonly maxPrefixExceeded: boolean;
  /** Why the whole UPDATE was refused (loop detection), if it was. */
  readonly loop: string | null;
}

export class Rib {
  readonly attrs = new AttrTable();
  readonly identity: LocalIdentity;
  private readonly loc: [LocRib, LocRib];
  private readonly peers = new Map<string, PeerState>();
  private readonly local: PeerState;
  private engine: PolicyEngine;
  private readonly clock: () => number;
  private readonly outbound: Outbound;
  private deferred = false;
  private readonly opts: RibOptions;

  constructor(opts: RibOptions) {
    this.opts = opts;
    const routerId = typeof opts.routerId === 'number' ? opts.routerId : parseIpv4(opts.routerId);
    this.identity = {
      asn: opts.asn,
      routerId,
      clusterId: opts.clusterId !== undefined ? parseClusterId(opts.clusterId) : routerId,
      isReflector: false,
    };
    this.loc = [new LocRib('ipv4-unicast', opts), new LocRib('ipv6-unicast', opts)];
    if (opts.bestPathEvents !== false) for (const l of this.loc) l.log.open(EVENTS_READER);
    this.engine = new PolicyEngine(this.attrs, opts.policy ?? {});
    this.outbound = new Outbound(this.loc, this.identity, this.attrs);
    this.clock = opts.clock ?? (() => 0);
    this.local = new PeerState(new Peer({ address: LOCAL_PEER, asn: opts.asn }, opts.asn, true));
    this.local.peer.routerId = routerId;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Peers

  private state(address: string): PeerState {
    const s = this.peers.get(address);
    if (s === undefined) throw new RibError(`unknown peer ${address}`);
    return s;
  }

  peer(address: string): Peer {
    return this.state(address).peer;
  }

  addPeer(spec: PeerSpec): void {
    if (this.peers.has(spec.address) || spec.address === LOCAL_PEER) throw new RibError(`peer ${spec.address} exists`);
    const s = new PeerState(new Peer(spec, this.opts.asn));
    s.importChain = this.engine.chain('import', s.peer);
    s.exportChain = this.engine.chain('export', s.peer);
    this.peers.set(spec.address, s);
    this.refreshReflector();
  }

  /**
   * Applies a changed peer config without a session reset: new policies re-evaluate that peer's Adj-RIB-In and
   * re-export the difference; a changed RR-client flag re-exports everywhere.
   */
  updatePeer(spec: PeerSpec): void {
    const s = this.state(spec.address);
    if (spec.asn !== s.peer.asn) throw new RibError(`peer ${spec.address}: changing the AS needs removePeer + addPeer`);
    const rrChanged = s.peer.rrClient !== (spec.routeReflectorClient === true);
    // Compile against the new spec first: an unknown policy name throws before anything changes.
    const probe = new Peer(spec, this.opts.asn);
    const importChain = this.engine.chain('import', probe);
    const exportChain = this.engine.chain('export', probe);
    s.peer.spec = spec;
    s.importChain = importChain;
    s.exportChain = exportChain;
    s.exportCache[0].clear();
    s.exportCache[1].clear();
    this.reimport(s);
    if (rrChanged) {
      this.refreshReflector();
      this.resyncAll(); // the client flag changes what this peer gets and what its routes reach
    } else {
      for (const f of [0, 1] as const) if (s.established) s.fullSync[f] = true;
    }
  }

  /** Deletes the peer and every path it gave us (the session is gone for good, no GR). */
  removePeer(address: string): void {
    const s = this.state(address);
    this.peerDown(address);
    for (const f of [0, 1] as const) this.flush(s, f, false);
    this.peers.delete(address);
    this.refreshReflector();
  }

  /** We reflect once any peer is a client; becoming (or ceasing to be) a reflector changes what iBGP peers get. */
  private refreshReflector(): void {
    let rr = false;
    for (const s of this.peers.values()) if (s.peer.rrClient) rr = true;
    if (rr === this.identity.isReflector) return;
    (this.identity as { isReflector: boolean }).isReflector = rr;
    this.resyncAll();
  }

  /**
   * The session reached Established. Export starts from scratch: the whole Loc-RIB is queued, followed by
   * End-of-RIB. With graceful restart, `keepStale` lists the families whose stale paths may stay (the peer's new
   * OPEN has GR with the Forwarding bit for them); stale paths of other families are deleted now (RFC 4724 §4.2).
   */
  peerUp(address: string, session: PeerSession, keepStale?: Iterable<Family>): void {
    const s = this.state(address);
    s.peer.routerId = session.routerId;
    s.peer.localAddress = session.localAddress;
    s.peer.localAddressV6 = session.localAddressV6;
    s.peer.fourOctetAs = session.fourOctetAs !== false;
    s.peer.llgr = session.longLivedGr === true;
    s.established = true;
    // Cached results embed the session's next-hop-self address and, for reflected paths, the source's router ID.
    s.exportChain = this.engine.chain('export', s.peer);
    for (const other of this.peers.values()) {
      other.exportCache[0].clear();
      other.exportCache[1].clear();
    }
    const keep = new Set(keepStale ?? []);
    for (const f of [0, 1] as const) {
      this.clearAdjOut(s, f);
      s.fullSync[f] = true;
      s.scan[f] = null;
      s.eorPending[f] = true;
      this.loc[f].log.open(address);
      if (s.staleCount[f] > 0 && !keep.has(FAMILIES[f]!)) this.sweepStale(address, FAMILIES[f]!);
    }
  }

  /**
   * The session left Established. Without `gracefulRestart` every path from the peer is withdrawn. With it
   * (RFC 4724 §4.2: the peer advertised GR and did not hard-reset, RFC 8538), paths of the families it preserved
   * forwarding for are kept and marked stale; other families are flushed at once.
   */
  peerDown(address: string, gracefulRestart?: { readonly families: Iterable<Family> }): void {
    const s = this.state(address);
    s.established = false;
    const keep = new Set(gracefulRestart?.families ?? []);
    for (const f of [0, 1] as const) {
      this.clearAdjOut(s, f);
      this.loc[f].log.close(address);
      s.fullSync[f] = false;
      s.scan[f] = null;
      s.eorPending[f] = false;
      if (gracefulRestart !== undefined && keep.has(FAMILIES[f]!)) this.markStale(s, f);
      else this.flush(s, f, false);
    }
  }

  private clearAdjOut(s: PeerState, f: 0 | 1): void {
    const idx = this.loc[f].index;
    s.adjOut[f].forEach((_a, i) => idx.release(i));
    s.adjOut[f].clear();
  }

  private markStale(s: PeerState, f: 0 | 1): void {
    s.adjIn[f].forEach((p) => {
      p.stale = true;
    });
    s.staleCount[f] = s.adjIn[f].size;
  }

  /** RFC 4724 §4.2: End-of-RIB from a restarted peer: its paths still stale were not re-advertised; delete them. */
  endOfRib(address: string, family: Family): number {
    return this.sweepStale(address, family);
  }

  /** Deletes the peer's stale paths of one family (End-of-RIB, or the restart / stale timer expired). */
  sweepStale(address: string, family: Family): number {
    const s = this.state(address);
    const f = fam(family);
    if (s.staleCount[f] === 0) return 0;
    return this.flush(s, f, true);
  }

  /**
   * RFC 9494 §4.2: the restart timer expired and the peer advertised long-lived GR for these families. Their stale
   * paths stay, now carrying LLGR_STALE (least preferred, sent only to LLGR peers), except those marked NO_LLGR,
   * which are deleted. Import policy sees the paths again with the community attached. Returns how many remain.
   * Stale paths of other families are the caller's to sweep (sweepStale / restartTimerExpired).
   */
  enterLongLivedStale(address: string, families: Iterable<Family>): number {
    const s = this.state(address);
    let kept = 0;
    for (const family of families) {
      const f = fam(family);
      const loc = this.loc[f];
      const adj = s.adjIn[f];
      adj.forEach((p, idx) => {
        if (!p.stale) return;
        if (p.pre.noLlgr) {
          adj.delete(idx);
          s.staleCount[f]--;
          this.dropPath(s, loc, idx, p);
          return;
        }
        kept++;
        if (p.pre.llgrStale) return;
        p.pre = this.attrs.derive(p.pre, { communities: [...(p.pre.attrs.communities ?? []), WellKnownCommunity.LLGR_STALE] });
        const loop = inboundLoop(p.pre, s.peer, this.identity);
        const post = loop !== null ? null : s.importChain!.evaluate(family, loc.index.keyOf(idx), p.pre, address);
        const old = p.attrs;
        p.attrs = post;
        if (old !== null || post !== null) this.replaced(s.peer, loc, idx, p, old, post);
      });
    }
    return kept;
  }

  /** The restart timer expired before the peer came back (RFC 4724 §4.2): delete all its stale paths. */
  restartTimerExpired(address: string): number {
    return FAMILIES.reduce((n, family) => n + this.sweepStale(address, family), 0);
  }

  private flush(s: PeerState, f: 0 | 1, onlyStale: boolean): number {
    const adj = s.adjIn[f];
    const loc = this.loc[f];
    let n = 0;
    adj.forEach((p, idx) => {
      if (onlyStale && !p.stale) return;
      adj.delete(idx);
      this.dropPath(s, loc, idx, p);
      n++;
    });
    s.staleCount[f] = 0;
    return n;
  }

  private dropPath(s: PeerState, loc: LocRib, idx: number, p: Path): void {
    s.peer.received--;
    if (p.attrs !== null) {
      s.peer.accepted--;
      loc.remove(idx, p);
    }
    loc.index.release(idx);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Input

  /**
   * Prefixes announced by a peer with one attribute set (one UPDATE's NLRI). AS4_PATH is merged here for
   * 2-octet peers (RFC 6793 §4.2.3); loops are refused (RFC 4271 §9.1.2, RFC 4456 §8) by keeping the paths in
   * Adj-RIB-In as rejected (so max-prefix still counts them and a policy change re-evaluates them).
   */
  receive(address: string, family: Family, prefixes: ArrayLike<PrefixKey>, attributes: RouteAttributes): ReceiveResult {
    const s = this.state(address);
    const peer = s.peer;
    const set = this.attrs.intern(sanitizeInbound(mergeAs4Path(attributes, peer.fourOctetAs), peer));
    const loop = inboundLoop(set, peer, this.identity);
    const f = fam(family);
    const loc = this.loc[f];
    const index = loc.index;
    const adj = s.adjIn[f];
    const chain = s.importChain!;
    const since = this.nowSeconds();
    for (let i = 0; i < prefixes.length; i++) {
      const key = prefixes[i]!;
      const idx = index.acquire(key);
      const post = loop !== null ? null : chain.passThrough ? set : chain.evaluate(family, key, set, address);
      const path = adj.get(idx);
      if (path === undefined) {
        const p = new Path(peer, set, post, false, since);
        adj.set(idx, p);
        peer.received++;
        if (post !== null) {
          peer.accepted++;
          loc.add(idx, p);
        }
        continue;
      }
      index.release(idx); // the existing entry already holds a reference
      const old = path.attrs;
      const wasStale = path.stale;
      path.pre = set;
      path.attrs = post;
      path.stale = false;
      if (wasStale) s.staleCount[f]--;
      if (old === post) continue; // a duplicate announcement (or a stale path confirmed unchanged)
      path.since = since;
      this.replaced(peer, loc, idx, path, old, post);
    }
    const max = peer.spec.maxPrefixes;
    return { received: peer.received, maxPrefixExceeded: max !== undefined && peer.received > max, loop };
  }

  private replaced(peer: Peer, loc: LocRib, idx: number, path: Path, old: AttrSet | null, post: AttrSet | null): void {
    if (old === null) {
      peer.accepted++;
      loc.add(idx, path);
    } else if (post === null) {
      peer.accepted--;
      loc.remove(idx, path);
    } else {
      loc.changed(idx, path);
    }
  }

  /** Prefixes withdrawn by a peer (or treated as withdrawn, RFC 7606). */
  withdraw(address: string, family: Family, prefixes: ArrayLike<PrefixKey>): void {
    const s = this.state(address);
    const f = fam(family);
    const loc = this.loc[f];
    const adj = s.adjIn[f];
    for (let i = 0; i < prefixes.length; i++) {
      const idx = loc.index.find(prefixes[i]!);
      if (idx < 0) continue;
      const p = adj.get(idx);
      if (p === undefined) continue;
      adj.delete(idx);
      if (p.stale) s.staleCount[f]--;
      this.dropPath(s, loc, idx, p);
    }
  }

  /** Originates a path (ORIGIN IGP and an empty AS_PATH unless given). Replaces an earlier one for the prefix. */
  originate(family: Family, prefix: PrefixKey, attributes: RouteAttributes): void {
    const set = this.attrs.intern({ origin: Origin.IGP, asPath: [], ...attributes });
    const f = fam(family);
    const loc = this.loc[f];
    const adj = this.local.adjIn[f];
    const idx = loc.index.acquire(prefix);
    const p = adj.get(idx);
    if (p === undefined) {
      const np = new Path(this.local.peer, set, set, false, this.nowSeconds());
      adj.set(idx, np);
      this.local.peer.received++;
      this.local.peer.accepted++;
      loc.add(idx, np);
      return;
    }
    loc.index.release(idx);
    if (p.attrs === set) return;
    p.pre = set;
    p.attrs = set;
    p.since = this.nowSeconds();
    loc.changed(idx, p);
  }

  withdrawLocal(family: Family, prefix: PrefixKey): boolean {
    const f = fam(family);
    const loc = this.loc[f];
    const idx = loc.index.find(prefix);
    const p = idx < 0 ? undefined : this.local.adjIn[f].get(idx);
    if (p === undefined) return false;
    this.local.adjIn[f].delete(idx);
    this.dropPath(this.local, loc, idx, p);
    return true;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / MS_PER_SECOND);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Policy

  /**
   * Replaces the policy configuration (a bad one throws RibError and changes nothing). Import changes re-evaluate
   * every Adj-RIB-In from its pre-policy paths; export changes are computed as a difference against each
   * Adj-RIB-Out on the next collect(), so only what changed is sent. No session is reset.
   */
  setPolicy(config: PolicyConfig): void {
    const engine = new PolicyEngine(this.attrs, config);
    const chains = [...this.peers.values()].map((s) => [engine.chain('import', s.peer), engine.chain('export', s.peer)] as const);
    this.engine = engine;
    let i = 0;
    for (const s of this.peers.values()) {
      [s.importChain, s.exportChain] = chains[i++]!;
      s.exportCache[0].clear();
      s.exportCache[1].clear();
    }
    for (const s of this.peers.values()) this.reimport(s);
    this.resyncAll();
  }

  get policy(): PolicyConfig {
    return this.engine.config;
  }

  private reimport(s: PeerState): void {
    const chain = s.importChain!;
    for (const f of [0, 1] as const) {
      const loc = this.loc[f];
      const family = FAMILIES[f]!;
      s.adjIn[f].forEach((p, idx) => {
        const loop = inboundLoop(p.pre, s.peer, this.identity);
        const post = loop !== null ? null : chain.evaluate(family, loc.index.keyOf(idx), p.pre, s.peer.address);
        if (post === p.attrs) return;
        const old = p.attrs;
        p.attrs = post;
        this.replaced(s.peer, loc, idx, p, old, post);
      });
    }
  }

  private resyncAll(): void {
    for (const s of this.peers.values()) {
      if (!s.established) continue;
      s.fullSync[0] = s.fullSync[1] = true;
      s.exportCache[0].clear();
      s.exportCache[1].clear();
    }
  }

  /** ROUTE-REFRESH (RFC 2918 §4): send the peer its whole Adj-RIB-Out again on the next collect(). */
  refresh(address: string, family: Family): void {
    const s = this.state(address);
    if (!s.established) return;
    const f = fam(family);
    this.clearAdjOut(s, f);
    s.fullSync[f] = true;
    s.scan[f] = null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Output

  /**
   * RFC 4724 §4.1: while deferred (a restarting speaker waiting for End-of-RIB from its GR peers), paths are
   * selected but neither advertised nor reported; undeferring releases everything at once.
   */
  setDeferred(deferred: boolean): void {
    this.deferred = deferred;
  }

  get isDeferred(): boolean {
    return this.deferred;
  }

  /** True when collect() would produce something for this peer. */
  hasPending(address: string): boolean {
    const s = this.peers.get(address);
    if (s === undefined || !s.established || this.deferred) return false;
    return this.outbound.hasPending(s);
  }

  /**
   * What to send the peer now for one family: the difference between what export would send and its
   * Adj-RIB-Out, which is updated as if the result were sent. null when there is nothing (or while deferred).
   * `maxPrefixes` bounds the batch (announced + withdrawn) so the speaker can follow socket backpressure; the
   * rest stays pending (hasPending) for the next call. End-of-RIB comes with the batch that completes the table.
   */
  collect(address: string, family: Family, maxPrefixes = Number.POSITIVE_INFINITY): OutboundUpdate | null {
    const s = this.state(address);
    if (!s.established || this.deferred) return null;
    return this.outbound.collect(s, family, maxPrefixes);
  }

  /**
   * Best-path changes since the last call: for each changed prefix its best path (undefined: no route any more)
   * and its ECMP set. The ECMP array is only valid during the callback. Nothing is reported while deferred.
   */
  drainBestPathChanges(family: Family, fn: BestPathListener): number {
    return this.deferred ? 0 : this.outbound.drainBestPathChanges(family, fn);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries (the speaker turns these into plain data: see serialize.ts)

  bestPath(family: Family, prefix: PrefixKey): { best: Path | undefined; ecmp: readonly Path[]; candidates: readonly Path[] } {
    const loc = this.loc[fam(family)];
    const idx = loc.index.find(prefix);
    if (idx < 0) return { best: undefined, ecmp: [], candidates: [] };
    return { best: loc.best(idx), ecmp: loc.ecmpSet(idx), candidates: loc.candidates(idx) };
  }

  forEachLocRib(family: Family, fn: (key: PrefixKey, candidates: readonly Path[], ecmpCount: number) => void): void {
    const loc = this.loc[fam(family)];
    loc.forEachIndex((idx) => fn(loc.index.keyOf(idx), loc.candidates(idx), loc.ecmpCount(idx)));
  }

  locRibSize(family: Family): number {
    return this.loc[fam(family)].size;
  }

  forEachAdjRibIn(address: string, family: Family, fn: (key: PrefixKey, path: Path) => void): void {
    const s = address === LOCAL_PEER ? this.local : this.state(address);
    const f = fam(family);
    s.adjIn[f].forEach((p, idx) => fn(this.loc[f].index.keyOf(idx), p));
  }

  forEachAdjRibOut(address: string, family: Family, fn: (key: PrefixKey, attrs: AttrSet) => void): void {
    const s = this.state(address);
    const f = fam(family);
    s.adjOut[f].forEach((a, idx) => fn(this.loc[f].index.keyOf(idx), a));
  }

  adjRibOutSize(address: string, family: Family): number {
    return this.state(address).adjOut[fam(family)].size;
  }

  adjRibInSize(address: string, family: Family): number {
    return this.state(address).adjIn[fam(family)].size;
  }

  /** The REST API's per-neighbour prefix counters (all families): received (pre-policy), accepted, advertised. */
  peerCounts(address: string): { received: number; accepted: number; advertised: number } {
    const s = this.state(address);
    return { received: s.peer.received, accepted: s.peer.accepted, advertised: s.adjOut[0].size + s.adjOut[1].size };
  }

  staleCount(address: string, family: Family): number {
    return this.state(address).staleCount[fam(family)]!;
  }

  peerAddresses(): string[] {
    return [...this.peers.keys()];
  }

  /** Prefix indices in use (for tests that check nothing leaks). */
  indexSize(family: Family): number {
    return this.loc[fam(family)].index.size;
  }
}
