/**
 * RouteReconciler: keeps the kernel's kroute-owned state (protocol-17 routes in the main table and table 77, the
 * `from <podCIDR> lookup 77` rules, and through a {@link TunnelBackend} the tunnels) equal to what the best paths
 * call for.
 *
 * - Full pass (startup, every `--injected-routes-sync-period`, after a notification overflow, when a next hop is
 *   gone, on release of the graceful-restart hold, on link/address changes): dump, re-plan everything, diff, apply
 *   the minimal batch, sweep what has no reason to exist (routes, rules, then tunnels).
 * - Incremental pass (a best path changed, or a notification showed an owned route or rule changed, e.g. deleted by
 *   hand): re-plan and diff only those keys against the mirror of the kernel.
 * A route that is already right is never sent. A failing change is reported with its named error and retried with
 * backoff, alone; the others go ahead.
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AF_INET, IFF_UP, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN } from '../netlink/constants.js';
import { ipFamily } from '../netlink/ip.js';
import type { DecodedLink } from '../netlink/link.js';
import { RtnlMonitor, type RtnlEvent } from '../netlink/monitor.js';
import type { DecodedRoute } from '../netlink/route.js';
import { deleteRuleRequest, describeRule, newRuleRequest } from '../netlink/rule.js';
import { Rtnl } from '../netlink/rtnl.js';
import {
  decodedEquals,
  desiredMainRoute,
  desiredTunnelHostRoute,
  isOwnedRoute,
  keyOf,
  KROUTE_PROTOCOL,
  normalizeKernelRoute,
  parseRouteKey,
  routeKey,
  toNetlinkRoute,
  TUNNEL_TABLE,
  type DesiredRoute,
  type KernelRoute,
} from '../plan/kernel-routes.js';
import { localAddressesFromKernel } from '../plan/local-addresses.js';
import { canonicalAddress, canonicalPrefix, hostPrefix } from '../plan/prefix.js';
import { RoutePlanner } from '../plan/route-plan.js';
import { desiredRules, isOwnedRule, normalizeKernelRule, ruleKey, toNetlinkRule } from '../plan/rules.js';
import type { TunnelBackend, TunnelEndpoint } from '../plan/tunnel-backend.js';
import { DEFAULT_OVERLAY, type BestPath, type LocalAddress, type OverlaySettings, type RoutePlan } from '../plan/types.js';
import { removeOwned } from './cleanup.js';
import { diffKey, type RouteOp } from './diff.js';
import { asError, codeOf, errorOf, tunnelError } from './errors.js';
import { RouteMirror } from './mirror.js';
import {
  emptyCounts,
  type DiffCounts,
  type FailingChange,
  type OwnedRoute,
  type ReconcileError,
  type ReconcileReport,
  type ReconcilerHooks,
  type ResyncReason,
  type RouteChange,
  type RuleChange,
} from './report.js';
import { deleteShape, describeChanges, routeRequest, type AppliedBatch } from './requests.js';
import { RetryBook } from './retry.js';
import { registerRouteTable, type RtTablesOptions } from './rt-tables.js';
import { diffRules, RuleMirror } from './rule-mirror.js';

const { ESRCH, ENOENT, EEXIST } = osConstants.errno;

/** kube-router's `--injected-routes-sync-period` default. */
export const DEFAULT_SYNC_PERIOD_MS = 60_000;
const MS_PER_S = 1000;
/** How many full-pass outcomes resync() callers can still pick up after passes that followed theirs. */
const KEPT_FULL_OUTCOMES = 16;
/** Retry-book keys of rules (route keys never start with it). */
const RULE_RETRY_PREFIX = 'rule|';

export interface RouteReconcilerOptions {
  /** Work in this network namespace (name under /var/run/netns); default the current one. */
  readonly netns?: string;
  /** The overlay implementation (packages/tunnel); required for via-tunnel and via-vxlan plans. */
  readonly tunnels?: TunnelBackend;
  readonly overlay?: OverlaySettings;
  /** This node's pod CIDRs (both families): the sources of the table-77 rules while overlay is on. */
  readonly podCidrs?: readonly string[];
  /** Sources of tunnel routes; default the first global address of each family. */
  readonly nodeIps?: { readonly ipv4?: string; readonly ipv6?: string };
  /** `--dry-run`: compute and report, change nothing (no routes, rules, tunnels or rt_tables). */
  readonly dryRun?: boolean;
  /** `--injected-routes-sync-period` in ms; 0 turns the periodic full pass off. */
  readonly syncPeriodMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** SO_RCVBUF of the notification socket (tests make it tiny to force an overflow). */
  readonly monitorReceiveBufferSize?: number;
  /** Register table 77 in rt_tables at start (the daemon passes `{}` for the system paths; tests a temp file). */
  readonly rtTables?: RtTablesOptions;
  readonly hooks?: ReconcilerHooks;
}

type Work = { full: false } | { full: true; reasons: ResyncReason[] };

export class RouteReconciler {
  readonly dryRun: boolean;
  private readonly options: RouteReconcilerOptions;
  private readonly hooks: ReconcilerHooks;
  private readonly rtnl: Rtnl;
  private monitor: RtnlMonitor | undefined;
  private overlay: OverlaySettings;
  private podCidrs: readonly string[];

  // Inputs.
  private readonly paths = new Map<string, BestPath>();
  private readonly pendingSince = new Map<string, number>();
  // Derived.
  private planner: RoutePlanner | undefined;
  private localAddresses: LocalAddress[] = [];
  private readonly plans = new Map<string, RoutePlan>();
  /** Prefixes using each overlay next hop (tunnel or vxlan): what the tunnel sweep keeps. */
  private readonly overlayUsers = new Map<string, Set<string>>();
  private readonly endpoints = new Map<string, TunnelEndpoint>();
  private readonly desired = new Map<string, DesiredRoute>();
  /** Keys whose desired route could not be built (tunnel failed): left as they are until a retry succeeds. */
  private readonly unresolved = new Set<string>();
  /** Keys desired at some point in this run: under the graceful-restart hold only these may be deleted. */
  private readonly programmed = new Set<string>();
  // Kernel.
  private readonly mirror = new RouteMirror();
  private readonly ruleMirror = new RuleMirror();
  private readonly linkNames = new Map<number, string>();
  private readonly linkUp = new Map<number, boolean>();
  private readonly referencedLinks = new Set<number>();
  /** Keys that got a notification while our batch was in flight: the notifications, not our ACKs, tell their state. */
  private touchedInFlight: Set<string> | undefined;
  /** What each key of the batch in flight will look like (null: deleted), to recognise our own changes' echoes. */
  private expectedInFlight: Map<string, KernelRoute | null> | undefined;
  // Work queue.
  private dirtyPrefixes = new Set<string>();
  private dirtyKeys = new Set<string>();
  private rulesDirty = false;
  private fullReasons: ResyncReason[] = [];
  private running: Promise<void> | undefined;
  private scheduled = false;
  private holding = false;
  private started = false;
  private stopped = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retries: RetryBook;
  /** Full passes finished, and the error of the last pass that failed (a dump or the socket, not a route). */
  /** Full passes started so far; each one's report is kept (briefly) under its number for resync() callers. */
  private fullStarted = 0;
  private readonly fullReports = new Map<number, ReconcileReport>();
  private readonly failedFullPasses = new Map<number, Error>();
  /** The last pass's report, and the last full pass's. */
  lastReport: ReconcileReport | undefined;
  lastFullReport: ReconcileReport | undefined;

  constructor(options: RouteReconcilerOptions = {}) {
    this.options = options;
    this.dryRun = options.dryRun ?? false;
    this.hooks = options.hooks ?? {};
    this.overlay = options.overlay ?? DEFAULT_OVERLAY;
    this.podCidrs = options.podCidrs ?? [];
    this.retries = new RetryBook({
      ...(options.retryInitialMs !== undefined ? { initialMs: options.retryInitialMs } : {}),
      ...(options.retryMaxMs !== undefined ? { maxMs: options.retryMaxMs } : {}),
    });
    this.rtnl = Rtnl.open(options.netns !== undefined ? { netns: options.netns } : {});
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------------

  /**
   * Registers the table name (if asked), starts listening to notifications, runs the startup pass (which sweeps,
   * unless {@link holdSweep} was called) and starts the periodic timer.
   */
  async start(): Promise<ReconcileReport> {
    if (this.started) throw new Error('RouteReconciler.start: already started');
    this.started = true;
    if (this.options.rtTables && !this.dryRun) {
      // The name is for people reading `ip route show table kube-router`; routing works without it, so a clash or
      // a read-only file is reported, not fatal.
      try {
        await registerRouteTable(this.options.rtTables);
      } catch (e) {
        this.hooks.error?.(asError(e));
      }
    }
    // Listen before the first dump so that no change between the dump and the diff goes unseen.
    this.monitor = RtnlMonitor.open({
      ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      topics: ['route', 'rule', 'link', 'address'],
      ...(this.options.monitorReceiveBufferSize !== undefined ? { receiveBufferSize: this.options.monitorReceiveBufferSize } : {}),
    });
    this.monitor.on('event', (e: RtnlEvent) => this.onEvent(e));
    this.monitor.on('error', (e: Error) => this.hooks.error?.(e));
    // Lost answers on the request socket leave the outcome of changes unknown: re-dump.
    this.rtnl.socket.on('overflow', () => this.requestFull('overflow'));
    const period = this.options.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    if (period > 0) {
      this.syncTimer = setInterval(() => this.requestFull('periodic'), period);
      this.syncTimer.unref();
    }
    return this.resync('startup');
  }

  /** Stops listening and the timers; kernel state is left as it is (see {@link cleanup}). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopMonitoring();
    this.rtnl.close();
  }

  private stopMonitoring(): void {
    this.monitor?.close();
    this.monitor = undefined;
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.syncTimer = undefined;
    this.retryTimer = undefined;
  }

  /**
   * `--cleanup-config`: removes every route and rule kroute owns (found by dump, not by memory, so leftovers of
   * earlier runs go too), then everything the tunnel backend owns, and stops. In dry run, only reports.
   */
  async cleanup(): Promise<ReconcileReport> {
    this.stopMonitoring();
    await this.running;
    const report = await removeOwned(this.rtnl, this.options.tunnels, this.dryRun, this.hooks);
    this.mirror.clear();
    this.ruleMirror.clear();
    this.desired.clear();
    this.retries.clear();
    this.stop();
    this.lastReport = report;
    return report;
  }

  // --- inputs -------------------------------------------------------------------------------------------------------

  /** Sets the best path (or ECMP set) of a prefix; the kernel follows promptly. */
  setPath(path: BestPath): void {
    const prefix = canonicalPrefix(path.prefix);
    this.paths.set(prefix, prefix === path.prefix ? path : { ...path, prefix });
    this.markPrefix(prefix);
  }

  /** Withdraws a prefix: its route goes. */
  withdraw(prefix: string): void {
    const p = canonicalPrefix(prefix);
    this.paths.delete(p);
    this.markPrefix(p);
  }

  /** Replaces the whole set of paths (e.g. from the RIB at start). */
  replacePaths(paths: Iterable<BestPath>): void {
    const next = new Map<string, BestPath>();
    for (const path of paths) {
      const prefix = canonicalPrefix(path.prefix);
      next.set(prefix, prefix === path.prefix ? path : { ...path, prefix });
    }
    for (const p of this.paths.keys()) if (!next.has(p)) this.markPrefix(p);
    this.paths.clear();
    for (const [p, path] of next) {
      this.paths.set(p, path);
      this.markPrefix(p);
    }
  }

  /**
   * A peer or next hop is gone: every path drops that next hop (a prefix left without one is withdrawn), then a full
   * pass sweeps what it leaves behind, its tunnel included.
   */
  nextHopGone(address: string): Promise<ReconcileReport> {
    const gone = canonicalAddress(address);
    for (const [prefix, path] of this.paths) {
      if (!path.nextHops.some((h) => sameAddress(h.address, gone))) continue;
      const nextHops = path.nextHops.filter((h) => !sameAddress(h.address, gone));
      if (nextHops.length === 0) this.paths.delete(prefix);
      else this.paths.set(prefix, { ...path, nextHops });
      this.markPrefix(prefix);
    }
    return this.resync('next-hop-gone');
  }

  setOverlay(overlay: OverlaySettings): Promise<ReconcileReport> {
    this.overlay = overlay;
    this.planner = undefined;
    return this.resync('settings');
  }

  setPodCidrs(podCidrs: readonly string[]): Promise<ReconcileReport> {
    this.podCidrs = podCidrs;
    return this.resync('settings');
  }

  /** Graceful restart: from now on, keep owned routes, rules and tunnels that have no reason to exist. */
  holdSweep(): void {
    this.holding = true;
  }

  /** End-of-RIB or the deferral timer: sweep what is still stale. */
  releaseSweep(): Promise<ReconcileReport> {
    this.holding = false;
    return this.resync('release-sweep');
  }

  get sweepHeld(): boolean {
    return this.holding;
  }

  /**
   * Runs a full pass (after anything already queued) and resolves with its report; rejects when the pass itself
   * failed (e.g. the dump), which is also retried in the background.
   */
  async resync(reason: ResyncReason = 'requested'): Promise<ReconcileReport> {
    // Queued reasons all go into the next full pass to start (one already running started without this one).
    const target = this.fullStarted + 1;
    this.requestFull(reason);
    await this.settled();
    const report = this.fullReports.get(target);
    if (report) return report;
    throw this.failedFullPasses.get(target) ?? new Error(`reconcile (${reason}) did not run: the reconciler is stopped`);
  }

  /** Resolves once every queued change has been applied (or has failed and awaits its retry). */
  async settled(): Promise<void> {
    while (this.running || this.scheduled || (this.started && !this.stopped && this.hasWork())) {
      if (this.running) await this.running;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // --- state for the API --------------------------------------------------------------------------------------------

  /** The kernel routes kroute owns, as last seen (dump, ACKs and notifications). */
  ownedRoutes(): OwnedRoute[] {
    const out: OwnedRoute[] = [];
    for (const [key, routes] of this.mirror.entries()) {
      const d = this.desired.get(key);
      for (const r of routes) {
        const mine = d !== undefined && r.priority === d.route.priority;
        const hops = r.multipath ?? [{ ...(r.gateway !== undefined ? { gateway: r.gateway } : {}), ifindex: r.oif ?? 0, weight: 1, onlink: r.onlink }];
        out.push({
          prefix: r.dst,
          family: r.family === AF_INET ? 'ipv4' : 'ipv6',
          table: r.table,
          protocol: KROUTE_PROTOCOL,
          kind: mine ? d.kind : 'stale',
          nextHops: hops.map((h) => {
            const dev = this.linkNames.get(h.ifindex);
            return { ...h, ...(dev !== undefined ? { dev } : {}) };
          }),
          ...(r.prefsrc !== undefined ? { source: r.prefsrc } : {}),
          bgpNextHops: mine ? d.nextHops : [],
        });
      }
    }
    return out.sort((a, b) => a.table - b.table || (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }

  /** How many owned routes are in the kernel now (for `kube_router_host_routes_synced`), without building the list. */
  get ownedRouteCount(): number {
    let n = 0;
    for (const [, routes] of this.mirror.entries()) n += routes.length;
    return n;
  }

  /** The current plan of a prefix, if it has a path. */
  planOf(prefix: string): RoutePlan | undefined {
    return this.plans.get(canonicalPrefix(prefix));
  }

  /** Changes that keep failing and await a retry. */
  failing(): FailingChange[] {
    return this.retries.list(performance.now());
  }

  // --- scheduling ---------------------------------------------------------------------------------------------------

  private hasWork(): boolean {
    return this.fullReasons.length > 0 || this.dirtyPrefixes.size > 0 || this.dirtyKeys.size > 0 || this.rulesDirty;
  }

  private markPrefix(prefix: string): void {
    if (!this.pendingSince.has(prefix)) this.pendingSince.set(prefix, performance.now());
    this.dirtyPrefixes.add(prefix);
    this.schedule();
  }

  private requestFull(reason: ResyncReason): void {
    if (!this.fullReasons.includes(reason)) this.fullReasons.push(reason);
    this.schedule();
  }

  private schedule(): void {
    if (!this.started || this.stopped || this.running || this.scheduled) return;
    this.scheduled = true;
    // Deferred so that many changes made in one tick (a burst of best-path events) share one pass and one batch.
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped || this.running) return;
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (this.hasWork()) this.schedule();
      });
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.hasWork()) {
      const work: Work = this.fullReasons.length > 0 ? { full: true, reasons: this.fullReasons } : { full: false };
      if (work.full) this.fullReasons = [];
      try {
        await this.pass(work);
      } catch (e) {
        // A dump or the socket failed: nothing is lost, the keys stay dirty; retry the whole thing after a delay.
        if (this.stopped) return;
        if (work.full) this.keepFullOutcome(this.failedFullPasses, this.fullStarted, asError(e));
        this.hooks.error?.(asError(e));
        const at = this.retries.fail('*pass', { operation: 'reconcile', code: codeOf(e), message: asError(e).message }, performance.now());
        this.armRetry(at);
        return;
      }
    }
  }

  private armRetry(at: number | undefined): void {
    if (at === undefined || this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.onRetry(), Math.max(0, at - performance.now()));
    this.retryTimer.unref();
  }

  private onRetry(): void {
    this.retryTimer = undefined;
    for (const key of this.retries.takeDue(performance.now())) {
      if (key === '*pass') this.requestFull('requested');
      else if (key.startsWith(RULE_RETRY_PREFIX)) this.rulesDirty = true;
      else {
        const { table, dst } = parseRouteKey(key);
        if (table === RT_TABLE_MAIN) this.dirtyPrefixes.add(dst);
        else this.dirtyKeys.add(key);
      }
    }
    this.schedule();
    this.armRetry(this.retries.nextAt());
  }

  // --- notifications ------------------------------------------------------------------------------------------------

  private onEvent(e: RtnlEvent): void {
    switch (e.kind) {
      case 'route': {
        if (!isOwnedRoute(e.route)) return;
        // The echo of a change in flight: its ACK will record it in the mirror; nothing to check.
        if (this.isEcho(e.action, e.route)) return;
        const r = normalizeKernelRoute(e.route);
        const key = keyOf(r);
        const changed = e.action === 'new' ? this.mirror.upsert(r) : this.mirror.remove(r);
        this.touchedInFlight?.add(key);
        // While a batch is in flight the mirror may lag our own changes (their echoes are skipped): re-check the key
        // even when the mirror seems unchanged.
        if (changed || this.touchedInFlight) {
          this.dirtyKeys.add(key);
          this.schedule();
        }
        return;
      }
      case 'rule': {
        if (!isOwnedRule(e.rule)) return;
        this.ruleMirror.apply(e.action, normalizeKernelRule(e.rule));
        this.rulesDirty = true;
        this.schedule();
        return;
      }
      case 'link':
        this.onLink(e.action, e.link);
        return;
      case 'address':
        // A new or lost subnet changes which next hops are reachable directly: re-plan everything.
        if (e.address.scope === RT_SCOPE_UNIVERSE) this.requestFull('addresses');
        return;
      case 'overflow':
        // Notifications were lost: the mirror can no longer be trusted. Re-dump and re-diff.
        this.requestFull('overflow');
        return;
      default:
        return;
    }
  }

  /** True for the notification of a change we have in flight (nothing to re-check). */
  private isEcho(action: 'new' | 'del', r: DecodedRoute): boolean {
    if (!this.expectedInFlight) return false;
    const expected = this.expectedInFlight.get(routeKey(r.table, r.dst));
    if (expected === undefined) return false;
    if (expected === null) return action === 'del';
    return action === 'new' && decodedEquals(expected, r);
  }

  private onLink(action: 'new' | 'del', link: DecodedLink): void {
    const wasUp = this.linkUp.get(link.index);
    const referenced = this.referencedLinks.has(link.index);
    if (action === 'del') {
      this.linkUp.delete(link.index);
      this.linkNames.delete(link.index);
      // IPv4 routes die with their device without any RTM_DELROUTE: only a re-dump shows it.
      if (referenced) this.requestFull('link');
      return;
    }
    const up = (link.flags & IFF_UP) !== 0;
    this.linkUp.set(link.index, up);
    this.linkNames.set(link.index, link.name);
    // Admin down flushes IPv4 routes through the device, also silently (kube-router #509: they never came back).
    if (referenced && wasUp !== undefined && wasUp !== up) this.requestFull('link');
  }

  // --- the pass -----------------------------------------------------------------------------------------------------

  private async pass(work: Work): Promise<void> {
    const t0 = performance.now();
    const counts = emptyCounts();
    const errors: ReconcileError[] = [];
    const applied: AppliedBatch[] = [];
    const ruleChanges: RuleChange[] = [];
    const reasons = work.full ? work.reasons : [];
    if (work.full) this.fullStarted++;
    for (const r of reasons) this.hooks.resync?.(r);

    const prefixes = this.dirtyPrefixes;
    const keys = this.dirtyKeys;
    this.dirtyPrefixes = new Set();
    this.dirtyKeys = new Set();
    const doRules = this.rulesDirty || work.full;
    this.rulesDirty = false;

    if (work.full) {
      await this.refreshKernelView();
      for (const p of this.paths.keys()) prefixes.add(p);
      for (const p of this.plans.keys()) prefixes.add(p);
      for (const k of this.mirror.keys()) keys.add(k);
      for (const k of this.desired.keys()) keys.add(k);
    } else if (!this.planner) {
      this.planner = this.newPlanner();
    }
    const planner = this.planner!;

    // 1. Re-plan the changed prefixes; track which overlay next hops are in use.
    const ensure = new Map<string, RoutePlan['hops'][number]['remote']>();
    const hostHops = new Set<string>();
    for (const prefix of prefixes) {
      const old = this.plans.get(prefix);
      const path = this.paths.get(prefix);
      const plan = path ? planner.planCanonical(path, prefix) : undefined;
      if (old) for (const h of overlayHops(old)) this.releaseOverlayHop(h.nextHop, prefix, hostHops, old.kind);
      if (plan) {
        this.plans.set(prefix, plan);
        for (const h of overlayHops(plan)) {
          let users = this.overlayUsers.get(h.nextHop);
          if (!users) this.overlayUsers.set(h.nextHop, (users = new Set()));
          users.add(prefix);
          ensure.set(h.nextHop, h.remote);
          if (plan.kind === 'via-tunnel') hostHops.add(h.nextHop);
        }
      } else {
        this.plans.delete(prefix);
      }
      keys.add(routeKey(RT_TABLE_MAIN, prefix));
    }
    // Host-route keys that need their tunnel checked (a retry, or a notification about them).
    for (const key of keys) {
      const { table, dst } = parseRouteKey(key);
      if (table !== TUNNEL_TABLE) continue;
      const nh = dst.slice(0, dst.lastIndexOf('/'));
      const users = this.overlayUsers.get(nh);
      if (users && users.size > 0) {
        hostHops.add(nh);
        const someone = this.plans.get(users.values().next().value!);
        const hop = someone?.hops.find((h) => h.nextHop === nh);
        if (hop) ensure.set(nh, hop.remote);
      }
    }
    if (work.full) {
      for (const [nh, users] of this.overlayUsers) {
        if (users.size === 0) continue;
        const plan = this.plans.get(users.values().next().value!);
        const hop = plan?.hops.find((h) => h.nextHop === nh);
        if (hop) ensure.set(nh, hop.remote);
        if (plan?.kind === 'via-tunnel') hostHops.add(nh);
      }
    }

    // 2. Tunnels: make sure each overlay next hop in use has its tunnel (dry run: only look).
    const failedHops = new Map<string, ReconcileError>();
    for (const [nh, remote] of ensure) {
      try {
        const ep = await this.ensureTunnel(nh, remote);
        if (ep) this.endpoints.set(nh, ep);
        else this.endpoints.delete(nh);
      } catch (e) {
        this.endpoints.delete(nh);
        const err = tunnelError(`ensure tunnel to ${nh}`, e);
        failedHops.set(nh, err);
        errors.push(err);
        this.hooks.error?.(asError(e));
      }
    }
    for (const ep of this.endpoints.values()) this.referencedLinks.add(ep.ifindex);

    // 3. Desired routes for the affected keys.
    const lookup = (nh: string): TunnelEndpoint | undefined => this.endpoints.get(nh);
    const now = performance.now();
    for (const prefix of prefixes) {
      const key = routeKey(RT_TABLE_MAIN, prefix);
      const plan = this.plans.get(prefix);
      const failed = plan ? overlayHops(plan).map((h) => failedHops.get(h.nextHop)).find((x) => x !== undefined) : undefined;
      this.unresolved.delete(key);
      if (failed) {
        this.unresolved.add(key);
        counts.failed++;
        this.armRetry(this.retries.fail(key, failed, now));
        continue;
      }
      const d = plan ? desiredMainRoute(plan, lookup) : undefined;
      this.setDesired(key, d);
    }
    for (const nh of hostHops) {
      const key = routeKey(TUNNEL_TABLE, hostPrefix(nh));
      keys.add(key);
      this.unresolved.delete(key);
      const users = this.overlayUsers.get(nh);
      if (!users || users.size === 0) {
        this.setDesired(key, undefined);
        continue;
      }
      const failed = failedHops.get(nh);
      if (failed) {
        this.unresolved.add(key);
        this.armRetry(this.retries.fail(key, failed, now));
        continue;
      }
      this.setDesired(key, desiredTunnelHostRoute(nh, ipFamily(nh), this.endpoints.get(nh)));
    }

    // 4. Diff.
    const ops: RouteOp[] = [];
    for (const key of keys) {
      if (this.unresolved.has(key)) continue;
      const d = this.desired.get(key);
      if (d && !d.complete && !this.dryRun) continue;
      const kd = diffKey(key, d, this.mirror.get(key), !this.holding || this.programmed.has(key));
      // Nothing to send: whatever failed here before has no reason to be retried.
      if (kd.ops.length === 0) this.retries.succeed(key);
      if (kd.unchanged) counts.unchanged++;
      counts.held += kd.held;
      for (const op of kd.ops) ops.push(op);
    }

    // 5. Apply routes, then rules.
    const failedKeys = new Set<string>();
    await this.applyRoutes(ops, counts, applied, errors, failedKeys);
    if (doRules) await this.reconcileRules(counts, ruleChanges, errors);

    // 6. Sweep tunnels no prefix uses any more (full passes only, never while held).
    if (work.full && !this.holding && !this.dryRun && !this.stopped && this.options.tunnels) {
      const keep = new Set<string>();
      for (const [nh, users] of this.overlayUsers) if (users.size > 0) keep.add(nh);
      for (const nh of [...this.endpoints.keys()]) if (!keep.has(nh)) this.endpoints.delete(nh);
      try {
        await this.options.tunnels.sweep(keep);
      } catch (e) {
        errors.push(tunnelError('sweep tunnels', e));
        this.hooks.error?.(asError(e));
      }
    }

    // 7. Latency of best-path changes that are now in the kernel.
    if (!this.dryRun) {
      const done = performance.now();
      for (const prefix of prefixes) {
        const since = this.pendingSince.get(prefix);
        if (since === undefined) continue;
        const key = routeKey(RT_TABLE_MAIN, prefix);
        if (failedKeys.has(key) || this.unresolved.has(key)) continue;
        this.pendingSince.delete(prefix);
        this.hooks.programmingLatency?.((done - since) / MS_PER_S, prefix);
      }
    } else {
      this.pendingSince.clear();
    }
    if (this.retries.has('*pass')) this.retries.succeed('*pass');

    let changes: RouteChange[] | undefined;
    const report: ReconcileReport = {
      full: work.full,
      reasons,
      dryRun: this.dryRun,
      // Built on first read: a large batch's report is mostly counted, rarely listed.
      get changes(): RouteChange[] {
        return (changes ??= applied.flatMap(describeChanges));
      },
      ruleChanges,
      counts,
      errors,
      durationMs: performance.now() - t0,
    };
    this.lastReport = report;
    if (work.full) {
      this.lastFullReport = report;
      this.keepFullOutcome(this.fullReports, this.fullStarted, report);
    }
    if (counts.added + counts.replaced > 0 && !this.dryRun) this.hooks.routesAdded?.(counts.added + counts.replaced);
    if (counts.removed > 0 && !this.dryRun) this.hooks.routesRemoved?.(counts.removed);
    this.hooks.diff?.(counts, report);
  }

  /** Keeps the outcome of full pass `seq` for the resync() calls waiting on it, and forgets old ones. */
  private keepFullOutcome<T>(map: Map<number, T>, seq: number, value: T): void {
    map.set(seq, value);
    for (const k of map.keys()) if (k <= seq - KEPT_FULL_OUTCOMES) map.delete(k);
  }

  private newPlanner(): RoutePlanner {
    return new RoutePlanner({
      localAddresses: this.localAddresses,
      overlay: this.overlay,
      ...(this.options.nodeIps ? { nodeIps: this.options.nodeIps } : {}),
    });
  }

  /** Dumps addresses, links, owned routes and owned rules. */
  private async refreshKernelView(): Promise<void> {
    const addresses = localAddressesFromKernel(await this.rtnl.listAddresses());
    this.localAddresses = addresses;
    this.planner = this.newPlanner();
    const links = await this.rtnl.listLinks();
    this.linkNames.clear();
    this.linkUp.clear();
    for (const l of links) {
      this.linkNames.set(l.index, l.name);
      this.linkUp.set(l.index, (l.flags & IFF_UP) !== 0);
    }
    const routes = await this.rtnl.listRoutes({ protocol: KROUTE_PROTOCOL });
    this.mirror.reset(routes.filter(isOwnedRoute).map(normalizeKernelRoute));
    this.ruleMirror.reset((await this.rtnl.listRules()).filter(isOwnedRule).map(normalizeKernelRule));
    this.referencedLinks.clear();
    for (const a of addresses) this.referencedLinks.add(a.ifindex);
    for (const [, list] of this.mirror.entries()) for (const r of list) addRouteLinks(this.referencedLinks, r);
  }

  private releaseOverlayHop(nh: string, prefix: string, hostHops: Set<string>, kind: RoutePlan['kind']): void {
    const users = this.overlayUsers.get(nh);
    if (!users) return;
    users.delete(prefix);
    if (users.size === 0) this.overlayUsers.delete(nh);
    if (kind === 'via-tunnel') hostHops.add(nh);
  }

  private async ensureTunnel(nh: string, remote: RoutePlan['hops'][number]['remote']): Promise<TunnelEndpoint | undefined> {
    const backend = this.options.tunnels;
    if (this.dryRun) return backend?.peek ? backend.peek(nh) : undefined;
    if (!backend) throw new Error('overlay routes need a tunnel backend, and none is configured');
    return backend.ensure(nh, remote);
  }

  private setDesired(key: string, d: DesiredRoute | undefined): void {
    if (!d) {
      this.desired.delete(key);
      return;
    }
    this.desired.set(key, d);
    this.programmed.add(key);
    addRouteLinks(this.referencedLinks, d.route);
  }

  private async applyRoutes(
    ops: RouteOp[],
    counts: DiffCounts,
    applied: AppliedBatch[],
    errors: ReconcileError[],
    failedKeys: Set<string>,
  ): Promise<void> {
    if (ops.length === 0) return;
    const requests = ops.map((op) => (op.op === 'delete' ? routeRequest('delete', deleteShape(op.route)) : routeRequest(op.op, toNetlinkRoute(op.route))));
    applied.push({ ops, requests });
    if (this.dryRun) {
      for (const op of ops) {
        if (op.op === 'add') counts.added++;
        else if (op.op === 'replace') counts.replaced++;
        else counts.removed++;
      }
      return;
    }
    const touched = new Set<string>();
    const expected = new Map<string, KernelRoute | null>();
    for (const op of ops) {
      // A key with an extra copy deleted and the wanted route added expects the wanted route.
      if (op.op !== 'delete') expected.set(op.key, op.route);
      else if (!expected.has(op.key) && op.why === 'stale') expected.set(op.key, null);
    }
    this.touchedInFlight = touched;
    this.expectedInFlight = expected;
    let results;
    try {
      results = await this.rtnl.batch(requests);
    } finally {
      this.touchedInFlight = undefined;
      this.expectedInFlight = undefined;
    }
    // Stopped mid-batch: the unanswered requests fail with EBADF, which is no kernel error worth reporting.
    if (this.stopped) return;
    const now = performance.now();
    results.forEach((res, i) => {
      const op = ops[i]!;
      const gone = op.op === 'delete' && !res.ok && res.error.errno === ESRCH;
      if (res.ok || gone) {
        if (!touched.has(op.key)) {
          if (op.op === 'delete') this.mirror.remove(op.route);
          else this.mirror.upsert(op.route);
        }
        if (op.op === 'add') counts.added++;
        else if (op.op === 'replace') counts.replaced++;
        else counts.removed++;
        if (!failedKeys.has(op.key)) this.retries.succeed(op.key);
        return;
      }
      failedKeys.add(op.key);
      counts.failed++;
      errors.push(errorOf(res.error));
      this.hooks.netlinkError?.(res.error);
      this.armRetry(this.retries.fail(op.key, errorOf(res.error), now));
      // The slot is taken: by a route of ours the mirror missed (re-dump once to find out), or by someone else's
      // route, which we never overwrite (then only the backoff retries).
      if (res.error.errno === EEXIST && this.retries.attempts(op.key) === 1) this.requestFull('requested');
    });
  }

  private async reconcileRules(counts: DiffCounts, ruleChanges: RuleChange[], errors: ReconcileError[]): Promise<void> {
    const { adds, dels } = diffRules(desiredRules(this.podCidrs, this.overlay.enabled), this.ruleMirror, !this.holding);
    if (adds.length + dels.length === 0) {
      this.retries.succeedWhere((key) => key.startsWith(RULE_RETRY_PREFIX));
      return;
    }
    const requests = [...dels.map((r) => deleteRuleRequest(toNetlinkRule(r))), ...adds.map((r) => newRuleRequest(toNetlinkRule(r)))];
    dels.forEach((r) => ruleChanges.push({ op: 'delete', from: r.from, description: describeRule('delete', toNetlinkRule(r)) }));
    adds.forEach((r) => ruleChanges.push({ op: 'add', from: r.from, description: describeRule('add', toNetlinkRule(r)) }));
    if (this.dryRun) {
      counts.rulesRemoved += dels.length;
      counts.rulesAdded += adds.length;
      return;
    }
    const results = await this.rtnl.batch(requests);
    if (this.stopped) return;
    const now = performance.now();
    results.forEach((res, i) => {
      const isDel = i < dels.length;
      const rule = isDel ? dels[i]! : adds[i - dels.length]!;
      const key = ruleKey(rule);
      if (res.ok || (isDel && res.error.errno === ENOENT)) {
        if (isDel) {
          this.ruleMirror.deleted(rule);
          counts.rulesRemoved++;
        } else {
          this.ruleMirror.added(rule);
          counts.rulesAdded++;
        }
        this.retries.succeed(`${RULE_RETRY_PREFIX}${key}`);
        return;
      }
      counts.failed++;
      errors.push(errorOf(res.error));
      this.hooks.netlinkError?.(res.error);
      this.armRetry(this.retries.fail(`${RULE_RETRY_PREFIX}${key}`, errorOf(res.error), now));
    });
  }
}

function overlayHops(plan: RoutePlan): RoutePlan['hops'] {
  return plan.kind === 'via-tunnel' || plan.kind === 'via-vxlan' ? plan.hops : [];
}

function addRouteLinks(set: Set<number>, r: KernelRoute): void {
  if (r.oif !== undefined && r.oif >= 0) set.add(r.oif);
  if (r.multipath) for (const h of r.multipath) set.add(h.ifindex);
}

function sameAddress(a: string, canonical: string): boolean {
  try {
    return canonicalAddress(a) === canonical;
  } catch {
    return false;
  }
}
