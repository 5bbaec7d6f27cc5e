// BgpSpeaker: the library API. It wires sessions (transport + FSM) to the pure RIB/policy core and back out:
// UPDATE in → Adj-RIB-In → import policy → Loc-RIB → export policy → Adj-RIB-Out → packed UPDATEs out, batched per
// socket read, with backpressure, MRAI, ROUTE-REFRESH and graceful restart in both roles (RFC 4724, RFC 8538).
import { EventEmitter } from 'node:events';
import type { NegotiatedSession } from '../fsm/negotiate.js';
import { Cease, ceaseNotification } from '../fsm/notifications.js';
import type { CeaseReason, DownReason } from '../fsm/types.js';
import { parseCommunity, parseLargeCommunity } from '../policy/community.js';
import type { PolicyConfig } from '../policy/types.js';
import type { RouteAttributes } from '../rib/attrs.js';
import { SelectionDeferral } from '../rib/graceful-restart.js';
import { MraiTimer } from '../rib/mrai.js';
import type { Path } from '../rib/path.js';
import { formatPrefix, keyFamily, parsePrefix, type PrefixKey } from '../rib/prefix.js';
import { FAMILIES, LOCAL_PEER, Rib } from '../rib/rib.js';
import { attrsJson, pathJson, routeJson, type RouteJson, type RoutePathJson } from '../rib/serialize.js';
import { applyUpdate, encodeOutbound } from '../rib/wire-glue.js';
import { realClock, type SessionClock, type TimerHandle } from '../session/clock.js';
import { DEFAULT_HOLD_TIME } from '../session/config.js';
import { SessionDirectory } from '../session/dispatch.js';
import { Session, type SessionLogger } from '../session/session.js';
import { canonicalAddress } from '../transport/addresses.js';
import { BgpListener } from '../transport/listener.js';
import { afiSafiOfFamily, familyOfAfiSafi } from '../wire/capabilities.js';
import { Origin, RouteRefreshSubtype } from '../wire/constants.js';
import { encodeMessage } from '../wire/message.js';
import type { Family, RouteRefreshMessage, UpdateMessage } from '../wire/types.js';
import {
  DEFAULT_DEFERRAL_TIME_S,
  DEFAULT_RESTART_TIME_S,
  familiesOfPeer,
  mraiMsOf,
  normalisePeer,
  peerRestartTime,
  ribSpecOf,
  same,
  sessionConfigOf,
} from './config.js';
import { SpeakerConfigError, SpeakerStateError } from './errors.js';
import { retainedFamilies } from './gr-decision.js';
import { Outbox } from './outbox.js';
import { SpeakerPeer } from './peer.js';
import { lastErrorText, pageRoutes } from './queries.js';
import type {
  BestPathChange,
  NeighborJson,
  OriginatePath,
  PeerConfig,
  RibQuery,
  SpeakerEvents,
  SpeakerOptions,
} from './types.js';

const MS_PER_SECOND = 1000;
/** RFC 4271 §10: KEEPALIVE at a third of the hold time (shown before a session has negotiated one). */
const KEEPALIVES_PER_HOLD_TIME = 3;
const DEFAULT_LISTEN_ADDRESSES = ['0.0.0.0', '::'];
const BGP_PORT = 179;
const ORIGINS = { igp: Origin.IGP, egp: Origin.EGP, incomplete: Origin.INCOMPLETE } as const;
const noLog: SessionLogger = () => {};
/** RFC 9003 shutdown communication sent when the speaker stops. */
const STOP_COMMUNICATION = 'kroute speaker stopping';

export type UpdatePeerResult = 'unchanged' | 'applied' | 'reset';

export class BgpSpeaker extends EventEmitter<SpeakerEvents> {
  private readonly opts: SpeakerOptions;
  private readonly clock: SessionClock;
  private readonly log: SessionLogger;
  private readonly rib: Rib;
  private readonly peers = new Map<string, SpeakerPeer>();
  private readonly directory = new SessionDirectory();
  private listener: BgpListener | undefined;
  private detachListener: (() => void) | undefined;
  private started = false;
  private flushScheduled = false;
  /** RFC 4724 §4.1: this start follows our own (graceful) restart. */
  private restarting: boolean;
  private deferral: SelectionDeferral | undefined;
  private deferralTimer: TimerHandle | undefined;
  private startedAt = 0;

  constructor(options: SpeakerOptions) {
    super();
    this.opts = options;
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? noLog;
    this.restarting = options.gracefulRestart?.enabled === true && options.gracefulRestart.restarting === true;
    this.rib = new Rib({
      asn: options.asn,
      routerId: options.routerId,
      ...(options.clusterId !== undefined ? { clusterId: options.clusterId } : {}),
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
      ...options.decision,
      clock: () => this.clock.now(),
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  get running(): boolean {
    return this.started;
  }

  /** Where the listener accepts connections (empty without one). */
  get listenAddresses(): { address: string; port: number }[] {
    return (this.listener?.addresses ?? []).map((a) => ({ address: a.address, port: a.port }));
  }

  get uptimeSeconds(): number {
    return this.started ? Math.floor((this.clock.now() - this.startedAt) / MS_PER_SECOND) : 0;
  }

  async start(): Promise<void> {
    if (this.started) throw new SpeakerStateError('speaker already started');
    const port = this.opts.listen?.port ?? BGP_PORT;
    if (port !== 0) {
      this.listener = await BgpListener.listen({
        addresses: this.opts.listen?.addresses ?? DEFAULT_LISTEN_ADDRESSES,
        port,
        ...(this.opts.netns !== undefined ? { netns: this.opts.netns } : {}),
      });
      this.detachListener = this.directory.attach(this.listener);
    }
    this.started = true;
    this.startedAt = this.clock.now();
    if (this.restarting) this.beginDeferral();
    for (const p of this.peers.values()) this.createSession(p);
    this.scheduleFlush();
  }

  /**
   * Stops every session. `graceful` (with GR enabled) is the restarting speaker's stop (RFC 4724 §4.1): sockets are
   * closed without a NOTIFICATION so peers keep our routes, our own view of their routes is kept as stale, and the
   * next start() advertises the Restart bit and defers selection. Otherwise each session ends with Cease 6/2.
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (!this.started) return;
    const graceful = options.graceful === true && this.opts.gracefulRestart?.enabled === true;
    this.started = false;
    for (const p of this.peers.values()) {
      p.cancelTimers();
      const s = p.session;
      if (s === undefined) continue;
      if (graceful) {
        if (p.established) {
          const families = [...p.families];
          this.rib.peerDown(p.address, { families });
          for (const f of families) p.ownRestartStale.add(f);
        }
        s.abandon('graceful restart');
      } else {
        if (!this.hardReset(p, Cease.adminShutdown(STOP_COMMUNICATION))) s.stop(STOP_COMMUNICATION);
        s.deconfigure();
      }
      this.releaseSession(p);
    }
    this.endDeferral();
    this.detachListener?.();
    this.detachListener = undefined;
    await this.listener?.close();
    this.listener = undefined;
    if (graceful) this.restarting = true;
    else this.emitBestPathChanges();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Peers

  addPeer(config: PeerConfig): void {
    const cfg = normalisePeer(config);
    if (this.peers.has(cfg.address)) throw new SpeakerConfigError(`peer ${cfg.address} already exists`);
    const p = new SpeakerPeer(cfg, mraiMsOf(cfg, this.opts));
    this.rib.addPeer(ribSpecOf(cfg));
    this.peers.set(cfg.address, p);
    if (this.deferral?.deferred && peerRestartTime(cfg, this.opts.gracefulRestart) !== null) {
      this.deferral.expect(cfg.address, familiesOfPeer(cfg));
    }
    if (this.started) this.createSession(p);
  }

  /**
   * Applies a changed peer configuration live. An unchanged peer is untouched. Identity and transport changes
   * (AS, password, local address, families, port, passive) reset the session with Cease 6/6 (the session layer
   * decides, RFC 4486); policy, RR-client, max-prefix, MRAI, timers and TTL changes apply without a reset.
   */
  updatePeer(config: PeerConfig): UpdatePeerResult {
    const next = normalisePeer(config);
    const p = this.peers.get(next.address);
    if (p === undefined) throw new SpeakerConfigError(`no peer ${next.address}`);
    const prev = p.config;
    if (same(prev, next)) return 'unchanged';
    p.config = next;
    let result: UpdatePeerResult = 'applied';
    if (p.session !== undefined) result = p.session.updateConfig(sessionConfigOf(next, this.opts, this.restarting));
    if (prev.asn !== next.asn) {
      // The RIB's peer identity (iBGP/eBGP, loop rules) changes: its paths go with the old session.
      this.rib.removePeer(next.address);
      this.rib.addPeer(ribSpecOf(next));
    } else if (!same(ribSpecOf(prev), ribSpecOf(next))) {
      this.rib.updatePeer(ribSpecOf(next));
    }
    const mraiMs = mraiMsOf(next, this.opts);
    if (mraiMs !== p.mrai.intervalMs) p.mrai = new MraiTimer(mraiMs);
    this.scheduleFlush();
    return result;
  }

  /** Removes the peer: Cease 6/3 (RFC 4486), and every path it gave us is withdrawn. */
  removePeer(address: string): boolean {
    const p = this.peers.get(canonicalAddress(address));
    if (p === undefined) return false;
    p.removing = true;
    if (p.session !== undefined) {
      this.hardReset(p, Cease.peerDeconfigured());
      p.session.deconfigure();
      this.releaseSession(p);
    }
    p.cancelTimers();
    this.rib.removePeer(p.address);
    this.peers.delete(p.address);
    if (this.deferral?.deferred && this.deferral.forget(p.address)) this.endDeferral();
    this.scheduleFlush();
    return true;
  }

  /** Soft reset (RFC 2918): 'in' asks the peer to re-send its routes; 'out' re-sends ours. No session reset. */
  softReset(address: string, direction: 'in' | 'out' | 'both' = 'both'): void {
    const p = this.peerOrThrow(address);
    if (!p.established || p.session === undefined || p.negotiated === undefined) throw new SpeakerStateError(`peer ${p.address} is not Established`);
    for (const family of p.families) {
      if (direction !== 'out' && p.negotiated.routeRefresh) {
        const { afi, safi } = afiSafiOfFamily(family);
        p.session.sendRouteRefresh(afi, safi);
      }
      if (direction !== 'in') this.rib.refresh(p.address, family);
    }
    this.scheduleFlush();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Paths and policy

  /** Originates (or replaces) a path for an IPv4 or IPv6 unicast prefix. */
  originate(path: OriginatePath): void {
    const key = parsePrefix(path.prefix);
    const family = keyFamily(key);
    if (path.nextHop !== undefined && (path.nextHop.includes(':') !== (family === 'ipv6-unicast'))) {
      throw new SpeakerConfigError(`next hop ${path.nextHop} is not of ${path.prefix}'s family`);
    }
    const attrs: { -readonly [K in keyof RouteAttributes]?: RouteAttributes[K] } = {
      origin: ORIGINS[path.origin ?? 'igp'],
      asPath: [],
    };
    if (path.nextHop !== undefined) attrs.nextHop = path.nextHop;
    if (path.communities !== undefined && path.communities.length > 0) attrs.communities = path.communities.map(parseCommunity);
    if (path.largeCommunities !== undefined && path.largeCommunities.length > 0) attrs.largeCommunities = path.largeCommunities.map(parseLargeCommunity);
    if (path.med !== undefined) attrs.med = path.med;
    if (path.localPref !== undefined) attrs.localPref = path.localPref;
    this.rib.originate(family, key, attrs);
    this.scheduleFlush();
  }

  /** Withdraws a path originated here. Returns false when there was none. */
  withdraw(prefix: string): boolean {
    const key = parsePrefix(prefix);
    const done = this.rib.withdrawLocal(keyFamily(key), key);
    if (done) this.scheduleFlush();
    return done;
  }

  /**
   * Replaces the policy configuration. Import policy re-evaluates every Adj-RIB-In (pre-policy); export sends each
   * peer only the difference against its Adj-RIB-Out. No session is reset. A bad configuration throws and changes
   * nothing.
   */
  setPolicy(config: PolicyConfig): void {
    this.rib.setPolicy(config);
    this.scheduleFlush();
  }

  get policy(): PolicyConfig {
    return this.rib.policy;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries

  neighbors(): NeighborJson[] {
    return [...this.peers.values()].map((p) => this.neighborJson(p));
  }

  neighbor(address: string): NeighborJson | undefined {
    const p = this.peers.get(canonicalAddress(address));
    return p === undefined ? undefined : this.neighborJson(p);
  }

  /** The Loc-RIB, every candidate path per prefix (best first), in address order, built lazily. */
  locRib(family: Family = 'ipv4-unicast', query: RibQuery = {}): IterableIterator<RouteJson> {
    const now = this.nowSeconds();
    const build = (key: PrefixKey): RouteJson | undefined => {
      const { candidates } = this.rib.bestPath(family, key);
      return candidates.length === 0 ? undefined : routeJson(key, candidates, now);
    };
    if (query.prefix !== undefined) return single(build(this.familyKey(query.prefix, family)));
    const keys: PrefixKey[] = [];
    this.rib.forEachLocRib(family, (key) => keys.push(key));
    return pageRoutes(keys, query, build);
  }

  /** What the peer sent us (pre-policy attributes); `best` marks paths that are our best. */
  adjRibIn(address: string, family: Family = 'ipv4-unicast', query: RibQuery = {}): IterableIterator<RouteJson> {
    const p = this.peerOrThrow(address);
    const now = this.nowSeconds();
    const paths = new Map<PrefixKey, Path>();
    this.rib.forEachAdjRibIn(p.address, family, (key, path) => paths.set(key, path));
    const build = (key: PrefixKey): RouteJson | undefined => {
      const path = paths.get(key);
      if (path === undefined) return undefined;
      const best = this.rib.bestPath(family, key).best === path;
      return { prefix: formatPrefix(key), paths: [pathJson(path, best, now, true)] };
    };
    if (query.prefix !== undefined) return single(build(this.familyKey(query.prefix, family)));
    return pageRoutes([...paths.keys()], query, build);
  }

  /** What we advertise to the peer, as sent (after export policy and the eBGP/iBGP rewriting). */
  adjRibOut(address: string, family: Family = 'ipv4-unicast', query: RibQuery = {}): IterableIterator<RouteJson> {
    const p = this.peerOrThrow(address);
    const out = new Map<PrefixKey, RoutePathJson>();
    if (p.established && p.families.has(family)) {
      this.rib.forEachAdjRibOut(p.address, family, (key, attrs) => {
        out.set(key, { best: true, ...attrsJson(attrs), peer: LOCAL_PEER, stale: false, ageSeconds: 0 });
      });
    }
    const build = (key: PrefixKey): RouteJson | undefined => {
      const path = out.get(key);
      return path === undefined ? undefined : { prefix: formatPrefix(key), paths: [path] };
    };
    if (query.prefix !== undefined) return single(build(this.familyKey(query.prefix, family)));
    return pageRoutes([...out.keys()], query, build);
  }

  locRibSize(family: Family = 'ipv4-unicast'): number {
    return this.rib.locRibSize(family);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sessions

  private createSession(p: SpeakerPeer): void {
    const s = new Session(sessionConfigOf(p.config, this.opts, this.restarting), {
      clock: this.clock,
      ...(this.listener !== undefined ? { listener: this.listener } : {}),
      ...(this.opts.connect !== undefined ? { connect: this.opts.connect } : {}),
      log: this.log,
    });
    p.session = s;
    p.outbox = new Outbox(s, () => this.scheduleFlush());
    this.directory.add(s);
    s.on('state', (change) => {
      if (p.session !== s) return;
      this.emit('peerStateChanged', {
        address: p.address,
        from: change.from,
        to: change.to,
        ...(change.reason !== undefined ? { reason: change.reason } : {}),
        at: change.at,
      });
    });
    s.on('established', (n) => {
      if (p.session === s) this.onEstablished(p, s, n);
    });
    s.on('down', (reason) => {
      if (p.session === s) this.onDown(p, reason);
    });
    s.on('update', (m) => {
      if (p.session === s && p.established) this.onUpdate(p, s, m);
    });
    s.on('route-refresh', (m) => {
      if (p.session === s && p.established) this.onRouteRefresh(p, m);
    });
    s.start();
  }

  private releaseSession(p: SpeakerPeer): void {
    if (p.session !== undefined) this.directory.remove(p.session);
    p.outbox?.detach();
    p.session = undefined;
    p.outbox = undefined;
    p.established = false;
    p.negotiated = undefined;
    p.refreshing.clear();
    p.mraiTimer?.cancel();
    p.mraiTimer = undefined;
  }

  private onEstablished(p: SpeakerPeer, s: Session, n: NegotiatedSession): void {
    const connection = s.connection;
    if (connection === undefined) return;
    p.negotiated = n;
    p.encode = n.encode;
    p.families = new Set(n.families);
    p.established = true;
    p.maxPrefixTripped = false;
    p.mrai.reset();
    const remote = n.gracefulRestart.remote;
    const familiesOf = (list: ReadonlyArray<{ afi: number; safi: number; forwardingState: boolean }>, forwarding: boolean): Family[] =>
      list.filter((f) => !forwarding || f.forwardingState).map((f) => familyOfAfiSafi(f.afi, f.safi)).filter((f): f is Family => f !== undefined);
    p.lastPeerGr = remote
      ? { restartTime: remote.restartTime, families: familiesOf(remote.families, false), forwarding: familiesOf(remote.families, true), notification: remote.notification }
      : null;
    // RFC 4724 §4.2: stale families the peer no longer marks as forwarding-preserved are flushed on re-establishment.
    p.receiving.up(remote ? p.lastPeerGr!.forwarding : null);
    const keep = new Set<Family>([...p.receiving.waiting, ...p.ownRestartStale]);
    for (const f of p.ownRestartStale) if (!p.families.has(f)) p.ownRestartStale.delete(f);
    const v6 = connection.info.family === 6;
    const local = connection.info.localAddress;
    this.rib.peerUp(
      p.address,
      {
        routerId: n.peerBgpId,
        ...(!v6 ? { localAddress: local } : p.config.nextHopSelf?.ipv4 !== undefined ? { localAddress: p.config.nextHopSelf.ipv4 } : {}),
        ...(v6 ? { localAddressV6: local } : p.config.nextHopSelf?.ipv6 !== undefined ? { localAddressV6: p.config.nextHopSelf.ipv6 } : {}),
        fourOctetAs: n.fourOctetAs,
      },
      keep,
    );
    p.grTimer?.cancel();
    p.grTimer = undefined;
    if (p.receiving.waiting.size > 0) {
      // The peer is back but its End-of-RIB may never come: bound how long stale paths stay (RFC 4724 §4.2).
      p.grTimer = this.clock.setTimer((p.lastPeerGr?.restartTime ?? DEFAULT_RESTART_TIME_S) * MS_PER_SECOND, () => this.onGrTimer(p));
    }
    if (this.deferral?.deferred && remote === undefined && this.deferral.forget(p.address)) this.endDeferral();
    p.outbox!.attach(connection);
    this.scheduleFlush();
  }

  private onDown(p: SpeakerPeer, reason: DownReason): void {
    if (!p.established) return;
    p.established = false;
    p.outbox?.detach();
    p.refreshing.clear();
    p.mraiTimer?.cancel();
    p.mraiTimer = undefined;
    const local = p.negotiated?.gracefulRestart.local;
    const keep = p.removing ? null : retainedFamilies(reason, local, p.lastPeerGr);
    const families = p.receiving.down(this.clock.now(), keep === null ? null : { restartTimeSeconds: p.lastPeerGr!.restartTime, preserved: keep });
    this.rib.peerDown(p.address, families.length > 0 ? { families } : undefined);
    p.grTimer?.cancel();
    p.grTimer = undefined;
    if (families.length > 0) {
      p.grTimer = this.clock.setTimer(p.lastPeerGr!.restartTime * MS_PER_SECOND, () => this.onGrTimer(p));
    }
    this.scheduleFlush();
  }

  /** The restart timer (peer did not come back) or the stale timer (peer back, End-of-RIB missing) fired. */
  private onGrTimer(p: SpeakerPeer): void {
    p.grTimer = undefined;
    if (!this.peers.has(p.address)) return;
    const families = p.receiving.phase === 'restarting' ? p.receiving.tick(Number.POSITIVE_INFINITY) : [...p.receiving.waiting];
    for (const f of families) {
      p.receiving.endOfRib(f);
      this.rib.sweepStale(p.address, f);
    }
    this.scheduleFlush();
  }

  private onUpdate(p: SpeakerPeer, s: Session, m: UpdateMessage): void {
    const summary = applyUpdate(this.rib, p.address, m);
    if (summary.endOfRib !== undefined) this.onEndOfRib(p, summary.endOfRib);
    const r = summary.result;
    if (r !== undefined && r.maxPrefixExceeded && !p.maxPrefixTripped) {
      p.maxPrefixTripped = true;
      const family = m.mpReach ? familyOfAfiSafi(m.mpReach.afi, m.mpReach.safi) ?? 'ipv4-unicast' : 'ipv4-unicast';
      const max = p.config.maxPrefixes ?? 0;
      this.emit('warning', `peer ${p.address}: ${r.received} prefixes exceed the maximum of ${max}: Cease 6/1`);
      const cease = Cease.maxPrefixes({ ...afiSafiOfFamily(family), max });
      if (!this.hardReset(p, cease)) s.automaticStop(cease);
    }
    this.scheduleFlush();
  }

  private onEndOfRib(p: SpeakerPeer, family: Family): void {
    if (p.receiving.endOfRib(family)) {
      this.rib.endOfRib(p.address, family);
      if (p.receiving.waiting.size === 0) {
        p.grTimer?.cancel();
        p.grTimer = undefined;
      }
    }
    if (p.ownRestartStale.delete(family)) this.rib.endOfRib(p.address, family);
    if (this.deferral?.deferred && this.deferral.endOfRib(p.address, family)) this.endDeferral();
  }

  private onRouteRefresh(p: SpeakerPeer, m: RouteRefreshMessage): void {
    const family = familyOfAfiSafi(m.afi, m.safi);
    if (family === undefined || !p.families.has(family)) return;
    // RFC 7313 §4: BoRR/EoRR from the peer bracket its own re-send; paths it re-sends replace ours in place.
    if (m.subtype !== RouteRefreshSubtype.NORMAL) return;
    this.rib.refresh(p.address, family);
    if (p.negotiated?.enhancedRouteRefresh === true) p.refreshing.add(family);
    this.scheduleFlush();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Graceful restart: the restarting speaker (RFC 4724 §4.1)

  private beginDeferral(): void {
    const gr = this.opts.gracefulRestart;
    const seconds = gr?.deferralTime ?? DEFAULT_DEFERRAL_TIME_S;
    const d = new SelectionDeferral(this.clock.now(), seconds);
    for (const p of this.peers.values()) {
      if (peerRestartTime(p.config, gr) !== null) d.expect(p.address, familiesOfPeer(p.config));
    }
    this.deferral = d;
    this.rib.setDeferred(true);
    this.deferralTimer = this.clock.setTimer(seconds * MS_PER_SECOND, () => {
      this.deferralTimer = undefined;
      this.endDeferral();
    });
    if (d.check()) this.endDeferral();
  }

  /** Selection and advertisement resume: our table and End-of-RIB go out; what no peer re-sent is swept. */
  private endDeferral(): void {
    this.deferralTimer?.cancel();
    this.deferralTimer = undefined;
    if (this.deferral === undefined) return;
    this.deferral = undefined;
    this.rib.setDeferred(false);
    if (!this.started) return;
    this.restarting = false;
    for (const p of this.peers.values()) {
      for (const f of p.ownRestartStale) this.rib.sweepStale(p.address, f);
      p.ownRestartStale.clear();
      // Later sessions no longer claim a restart (the Restart bit is only for the first OPEN after it).
      p.session?.updateConfig(sessionConfigOf(p.config, this.opts, false));
    }
    this.scheduleFlush();
    this.emit('selectionDeferralEnded');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Output

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.started) return;
      this.emitBestPathChanges();
      for (const p of this.peers.values()) this.flushPeer(p);
    });
  }

  private emitBestPathChanges(): void {
    const listening = this.listenerCount('bestPathChanged') > 0;
    for (const family of FAMILIES) {
      if (!listening) {
        this.rib.drainBestPathChanges(family, noop);
        continue;
      }
      const now = this.nowSeconds();
      const changes: BestPathChange[] = [];
      this.rib.drainBestPathChanges(family, (key, best, ecmp) => {
        changes.push({
          prefix: formatPrefix(key),
          family,
          best: best === undefined ? null : pathJson(best, true, now),
          ecmp: ecmp.map((path, i) => pathJson(path, i === 0, now)),
          withdrawn: best === undefined,
        });
      });
      if (changes.length > 0) this.emit('bestPathChanged', changes);
    }
  }

  /** Generates the peer's next batch if its outbox is empty and MRAI allows, and starts sending it. */
  private flushPeer(p: SpeakerPeer): void {
    const outbox = p.outbox;
    if (!p.established || outbox === undefined || !outbox.idle || this.rib.isDeferred || p.encode === undefined) return;
    if (p.refreshing.size === 0 && !this.rib.hasPending(p.address)) return;
    const now = this.clock.now();
    const due = p.mrai.dueAt(now);
    if (due > now) {
      p.mraiTimer ??= this.clock.setTimer(due - now, () => {
        p.mraiTimer = undefined;
        this.flushPeer(p);
      });
      return;
    }
    let sent = false;
    for (const family of FAMILIES) {
      const batch = this.rib.collect(p.address, family);
      // Families the session did not negotiate are collected too (so their change feed does not grow) but not sent.
      if (!p.families.has(family)) continue;
      const refresh = p.refreshing.delete(family);
      if (refresh) outbox.push({ ordered: this.routeRefresh(p, family, RouteRefreshSubtype.BORR) });
      if (batch !== null) for (const m of encodeOutbound(batch, p.encode)) outbox.push(m);
      if (refresh) outbox.push({ ordered: this.routeRefresh(p, family, RouteRefreshSubtype.EORR) });
      sent ||= batch !== null || refresh;
    }
    if (sent) p.mrai.sent(now);
    outbox.pump();
  }

  private routeRefresh(p: SpeakerPeer, family: Family, subtype: number): Uint8Array {
    const { afi, safi } = afiSafiOfFamily(family);
    return encodeMessage({ type: 'route-refresh', afi, safi, subtype }, p.encode!);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Helpers

  private neighborJson(p: SpeakerPeer): NeighborJson {
    const s = p.session;
    const n = p.established ? p.negotiated : undefined;
    const ribPeer = this.rib.peer(p.address);
    let advertised = 0;
    if (p.established) for (const f of p.families) advertised += this.rib.adjRibOutSize(p.address, f);
    let stale = 0;
    for (const f of FAMILIES) stale += this.rib.staleCount(p.address, f);
    const capabilities = n ? [...new Set(n.remoteOpen.capabilities.map((c) => c.kind))] : [];
    const restartTime = peerRestartTime(p.config, this.opts.gracefulRestart);
    const messages = s?.messages ?? { sent: zeroCounters(), received: zeroCounters() };
    return {
      address: p.address,
      port: p.config.port ?? BGP_PORT,
      asn: p.config.asn,
      localAddress: s?.connection?.info.localAddress ?? p.config.localAddress ?? null,
      type: p.config.asn === this.opts.asn ? 'internal' : 'external',
      state: s?.state ?? 'Idle',
      uptimeSeconds: s ? Math.floor(s.uptimeMs / MS_PER_SECOND) : 0,
      holdTime: n?.holdTime ?? p.config.holdTime ?? DEFAULT_HOLD_TIME,
      keepaliveInterval: n?.keepaliveTime ?? Math.floor((p.config.holdTime ?? DEFAULT_HOLD_TIME) / KEEPALIVES_PER_HOLD_TIME),
      families: n ? [...n.families] : [...(familiesOfPeer(p.config))],
      capabilities,
      gracefulRestart: {
        enabled: restartTime !== null,
        restartTime: restartTime ?? 0,
        peerRestartTime: p.lastPeerGr?.restartTime ?? null,
        state: p.receiving.phase,
        staleRoutes: stale,
      },
      routeReflectorClient: p.config.routeReflectorClient === true,
      prefixes: { received: ribPeer.received, accepted: ribPeer.accepted, advertised },
      messages: { sent: { ...messages.sent }, received: { ...messages.received } },
      lastError: s ? lastErrorText(s.lastError) : null,
    };
  }

  /**
   * RFC 8538 §3, §5: with the N bit on both sides a plain Cease would let the peer keep our routes as stale, so the
   * Ceases meant to end the relationship (shutdown, de-configured, max-prefix) are sent as a Hard Reset wrapping
   * them. Returns false when the N bit was not negotiated (the caller sends the plain Cease).
   */
  private hardReset(p: SpeakerPeer, inner: CeaseReason): boolean {
    const gr = p.established ? p.negotiated?.gracefulRestart : undefined;
    if (p.session === undefined || gr?.local?.notification !== true || gr.remote?.notification !== true) return false;
    p.session.automaticStop(Cease.hardReset(ceaseNotification(inner)));
    return true;
  }

  private peerOrThrow(address: string): SpeakerPeer {
    const p = this.peers.get(canonicalAddress(address));
    if (p === undefined) throw new SpeakerConfigError(`no peer ${address}`);
    return p;
  }

  private familyKey(prefix: string, family: Family): PrefixKey {
    const key = parsePrefix(prefix);
    if (keyFamily(key) !== family) throw new SpeakerConfigError(`${prefix} is not an ${family} prefix`);
    return key;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / MS_PER_SECOND);
  }
}

function noop(): void {}

function* single(r: RouteJson | undefined): IterableIterator<RouteJson> {
  if (r !== undefined) yield r;
}

function zeroCounters(): Record<string, number> {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 };
}
