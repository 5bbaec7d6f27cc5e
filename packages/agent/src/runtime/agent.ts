// The kroute agent: cluster state in, BGP intent and kernel routes out. Every change (a Node, Service or
// EndpointSlice event, or the periodic tick) recomputes the whole desired state from the snapshot — peers, policies,
// originated paths — and applies only the difference, so annotation edits apply live and nothing is flapped.
// The speaker's best paths go to the route reconciler, which owns the kernel side.
import { isIP } from 'node:net';
import { BgpSpeaker, type BestPathChange, type PeerConfig, type PolicyConfig, type SpeakerOptions, type OriginatePath } from '@kroute/bgp';
import { RouteReconciler, type NextHopInfo, type OverlaySettings, type TunnelBackend, type RtTablesOptions } from '@kroute/routing';
import { TunnelManager, VxlanBackend, autoMtu, underlayMtu } from '@kroute/tunnel';
import type { ClusterSnapshot, ClusterSource, V1Node } from '../cluster/types.js';
import type { AgentOptions } from '../config/options.js';
import { externalPeersFromFlags } from '../config/flags.js';
import { AnnotationError } from '../controllers/annotations.js';
import { bestIp, ipFamily, nodeAddresses, nodePodCidrs, routerIdFor, type IpFamily } from '../controllers/node-identity.js';
import { desiredPeers, PeerIntentError, type DesiredPeer, type PeerIntent } from '../controllers/peers.js';
import { kubeRouterPolicies } from '../controllers/policies.js';
import { desiredServiceVips } from '../controllers/service-vips.js';
import { Heartbeats } from '../health/heartbeats.js';
import { KrouteMetrics } from '../metrics/metrics.js';
import { OriginatedSet } from './originated.js';
import type { Logger } from './log.js';

/** Debounce for bursts of cluster events (a rollout changes many objects at once). */
const SYNC_DEBOUNCE_MS = 20;
export const CONTROLLER_ROUTES = 'NetworkRoutesController';
export const CONTROLLER_ROUTE_SYNC = 'RouteSyncController';

export interface AgentDeps {
  readonly source: ClusterSource;
  readonly log: Logger;
  /** This node's name in the cluster state (resolved by the caller: --hostname-override, NODE_NAME, hostname). */
  readonly nodeName: string;
  readonly version: string;
  /** Run the speaker's sockets, the reconciler and the tunnels in this network namespace (lab, tests). */
  readonly netns?: string;
  /** Where to register table 77; undefined: do not touch rt_tables (tests, lab). */
  readonly rtTables?: RtTablesOptions;
  readonly metrics?: KrouteMetrics;
  readonly heartbeats?: Heartbeats;
  /** ConnectRetry override for tests and the lab (seconds). */
  readonly connectRetrySeconds?: number;
}

interface SpeakerIdentity {
  asn: number;
  routerId: string;
  listen: string;
  clusterId: string;
}

interface NodeInfo {
  readonly name: string;
  readonly podCidrs: readonly string[];
}

export type AgentPhase = 'starting' | 'waiting-for-node' | 'running' | 'stopping' | 'stopped';

export class KrouteAgent {
  readonly metrics: KrouteMetrics;
  readonly heartbeats: Heartbeats;
  readonly startedAt = Date.now();
  phase: AgentPhase = 'starting';
  /** --auto-mtu: the pod and bridge MTU for this node's overlay (underlay MTU minus the encapsulation). */
  podMtu: number | undefined;
  /** Problems of the last sync (bad annotations, a missing node), for logs and the API. */
  problems: string[] = [];

  speaker: BgpSpeaker | undefined;
  reconciler: RouteReconciler | undefined;
  tunnels: (TunnelBackend & { close(): void }) | undefined;
  tunnelManager: TunnelManager | undefined;

  private identity: SpeakerIdentity | undefined;
  private readonly peers = new Map<string, string>();
  private peerTypes = new Map<string, DesiredPeer>();
  private policyJson = '';
  private readonly originated = new OriginatedSet();
  private nodesByIp = new Map<string, NodeInfo>();
  private families = new Set<IpFamily>();
  private overlayJson = '';
  private podCidrsJson = '';
  private syncTimer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onChange = () => this.scheduleSync();
  private readonly onProblem = (msg: string) => this.deps.log.warn(`cluster state: ${msg}`);

  constructor(readonly options: AgentOptions, private readonly deps: AgentDeps) {
    this.metrics = deps.metrics ?? new KrouteMetrics({ processMetrics: false });
    this.heartbeats = deps.heartbeats ?? new Heartbeats();
  }

  async start(): Promise<void> {
    this.heartbeats.register(CONTROLLER_ROUTES, this.options.routesSyncPeriodMs);
    this.heartbeats.register(CONTROLLER_ROUTE_SYNC, this.options.injectedRoutesSyncPeriodMs);
    await this.deps.source.start();
    this.deps.source.on('change', this.onChange);
    this.deps.source.on('problem', this.onProblem);
    await this.sync('startup');
    this.syncTimer = setInterval(() => this.scheduleSync(0), this.options.routesSyncPeriodMs);
  }

  /** Graceful (GR on): close sessions without NOTIFICATION and keep kernel routes. Otherwise Cease, routes kept too. */
  async stop(opts: { graceful?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.phase = 'stopping';
    clearInterval(this.syncTimer);
    clearTimeout(this.debounce);
    this.deps.source.off('change', this.onChange);
    this.deps.source.off('problem', this.onProblem);
    await this.syncing.catch(() => undefined);
    const graceful = opts.graceful ?? this.options.bgpGracefulRestart;
    await this.speaker?.stop({ graceful }).catch((e: unknown) => this.deps.log.warn(`stopping the speaker: ${(e as Error).message}`));
    this.reconciler?.stop();
    this.tunnels?.close();
    await this.deps.source.stop();
    this.phase = 'stopped';
  }

  /** --cleanup-config: remove every route, rule, tunnel, FOU port and VXLAN entry kroute owns. */
  async cleanup(): Promise<void> {
    const reconciler = new RouteReconciler({ ...(this.deps.netns ? { netns: this.deps.netns } : {}), syncPeriodMs: 0 });
    try {
      await reconciler.cleanup();
    } finally {
      reconciler.stop();
    }
    for (const backend of this.cleanupBackends()) {
      try {
        await backend.cleanup();
      } finally {
        backend.close();
      }
    }
  }

  private cleanupBackends(): Array<TunnelBackend & { close(): void }> {
    const netns = this.deps.netns ? { netns: this.deps.netns } : {};
    const out: Array<TunnelBackend & { close(): void }> = [];
    out.push(new TunnelManager({ encap: this.options.overlayEncap === 'fou' ? 'fou' : 'ipip', localAddresses: [], fouPort: this.options.overlayEncapPort, ...netns }));
    // The VXLAN device whatever --overlay-encap says now (a previous run may have used vxlan). Cleanup only deletes
    // the device by name; the node IP and underlay are not used for that.
    out.push(new VxlanBackend({ nodeIP: VXLAN_CLEANUP_PLACEHOLDER_IP, underlay: 0, ...netns }));
    return out;
  }

  scheduleSync(delay = SYNC_DEBOUNCE_MS): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => { void this.sync('change'); }, delay);
  }

  /** Runs one full sync, serialised with any running one. */
  sync(reason: string): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce(reason)).catch((e: unknown) => {
      this.deps.log.error(`sync (${reason}) failed: ${(e as Error).stack ?? String(e)}`);
    });
    return this.syncing;
  }

  private async syncOnce(reason: string): Promise<void> {
    if (this.stopped) return;
    const started = process.hrtime.bigint();
    const snap = this.deps.source.snapshot();
    const self = snap.nodes.find((n) => n.metadata?.name === this.deps.nodeName);
    const problems: string[] = [];
    if (!self) {
      this.phase = 'waiting-for-node';
      this.problems = [`node ${JSON.stringify(this.deps.nodeName)} is not in the cluster state (set --hostname-override or NODE_NAME)`];
      this.deps.log.warn(this.problems[0]!);
      return;
    }
    const addrs = nodeAddresses(self);
    this.families = new Set<IpFamily>();
    if (this.options.enableIpv4 && addrs.bestIpv4) this.families.add(4);
    if (this.options.enableIpv6 && addrs.bestIpv6) this.families.add(6);
    if (this.options.enableIpv4 && !addrs.bestIpv4 && this.options.enableIpv6 && !addrs.bestIpv6) {
      problems.push(`node ${addrs.name} has no address of an enabled family`);
    }
    this.nodesByIp = indexNodes(snap.nodes, problems);

    let intent: PeerIntent;
    try {
      intent = desiredPeers(snap.nodes, self, {
        clusterAsn: this.options.clusterAsn, nodesFullMesh: this.options.nodesFullMesh, enableIbgp: this.options.enableIbgp,
        bgpPort: this.options.bgpPort, bgpHoldtimeMs: this.options.bgpHoldtimeMs, peerRouterMultihopTtl: this.options.peerRouterMultihopTtl,
        enableIpv4: this.options.enableIpv4, enableIpv6: this.options.enableIpv6, externalPeers: externalPeersFromFlags(this.options),
      });
    } catch (e) {
      if (!(e instanceof PeerIntentError) && !(e instanceof AnnotationError)) throw e;
      this.problems = [...problems, `BGP cannot start: ${e.message}`];
      this.deps.log.error(this.problems.at(-1)!);
      return;
    }
    for (const p of intent.problems) problems.push(p.message);

    let routerId: string;
    try {
      routerId = routerIdFor(this.options.routerId, addrs.primaryIp);
    } catch (e) {
      this.problems = [...problems, `BGP cannot start: ${(e as Error).message}`];
      this.deps.log.error(this.problems.at(-1)!);
      return;
    }

    let podCidrs: { v4: string[]; v6: string[] };
    try {
      podCidrs = nodePodCidrs(self);
    } catch (e) {
      problems.push((e as Error).message);
      podCidrs = { v4: [], v6: [] };
    }
    const myPodCidrs = [...(this.families.has(4) ? podCidrs.v4 : []), ...(this.families.has(6) ? podCidrs.v6 : [])];

    await this.ensureDataPlane(addrs.bestIpv4, addrs.bestIpv6, myPodCidrs);
    await this.ensureSpeaker({ asn: intent.localAsn, routerId, listen: intent.listenAddresses.join(','), clusterId: intent.routeReflector.role === 'server' ? intent.routeReflector.clusterId! : '' });
    const speaker = this.speaker!;

    // Peers: add, change (the speaker resets only when it must), remove.
    const wanted = new Map(intent.peers.map((p) => [p.address, p] as const));
    for (const [address, p] of wanted) {
      const cfg = this.peerConfig(p);
      const json = JSON.stringify(cfg);
      if (!this.peers.has(address)) {
        speaker.addPeer(cfg);
        this.deps.log.info(`peer ${address} AS ${p.asn} (${p.type}${p.node ? `, node ${p.node}` : ''}) added`);
      } else if (this.peers.get(address) !== json) {
        speaker.updatePeer(cfg);
        this.deps.log.info(`peer ${address} updated`);
      }
      this.peers.set(address, json);
    }
    for (const address of [...this.peers.keys()]) {
      if (wanted.has(address)) continue;
      speaker.removePeer(address);
      this.peers.delete(address);
      this.deps.log.info(`peer ${address} removed`);
      void this.reconciler?.nextHopGone(address).catch((e: unknown) => this.deps.log.warn(`sweeping after ${address}: ${(e as Error).message}`));
    }
    this.peerTypes = wanted;

    // Advertisements.
    const vips = desiredServiceVips(snap, { name: addrs.name, ips: nodeIps(self), families: this.families }, this.options);
    const paths: OriginatePath[] = [];
    for (const c of myPodCidrs) {
      const nh = bestIp(addrs, ipFamily(c));
      if (nh) paths.push({ prefix: c, nextHop: nh, origin: 'igp' });
    }
    for (const v of vips.values()) {
      const nh = bestIp(addrs, v.family);
      if (nh) paths.push({ prefix: v.prefix, nextHop: nh, origin: 'igp' });
    }

    // Policies before paths, so a new VIP is never exported without its policy.
    const policy = kubeRouterPolicies({
      self, primaryFamily: ipFamily(addrs.primaryIp!), podCidrs: myPodCidrs, serviceVips: [...vips.keys()],
      nodeIps: snap.nodes.map((n) => nodeAddresses(n).primaryIp).filter((x): x is string => x !== undefined),
      externalPeerIps: intent.peers.filter((p) => p.node === undefined).map((p) => p.address),
      enableIbgp: this.options.enableIbgp, advertisePodCidr: this.options.advertisePodCidr, overrideNexthop: this.options.overrideNexthop,
      routeReflectorServer: intent.routeReflector.role === 'server',
    });
    for (const p of policy.problems) problems.push(p.message);
    this.applyPolicy(policy.config);

    const diff = this.originated.diff(paths);
    for (const p of diff.add) {
      speaker.originate(p);
      this.metrics.advertisementsSent.inc({ type: vips.has(p.prefix) ? 'advertise-vip' : 'pod-route' });
    }
    for (const prefix of diff.remove) {
      speaker.withdraw(prefix);
      this.metrics.advertisementsSent.inc({ type: 'withdraw-vip' });
    }
    if (diff.add.length + diff.remove.length > 0) {
      this.deps.log.info(`advertising ${paths.length} paths (+${diff.add.length} -${diff.remove.length})`);
    }
    await this.startSpeaker();

    for (const p of problems) if (!this.problems.includes(p)) this.deps.log.warn(p);
    this.problems = problems;
    this.metrics.setPeers(speaker.neighbors().map((n) => ({ address: n.address, type: n.type, asn: n.asn, state: n.state, prefixes: n.prefixes })));
    this.metrics.routesSyncTime.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.phase = 'running';
    this.heartbeats.beat(CONTROLLER_ROUTES);
    this.deps.log.debug(`sync (${reason}) done`);
  }

  private peerConfig(p: DesiredPeer): PeerConfig {
    return {
      address: p.address,
      port: p.port,
      asn: p.asn,
      ...(p.localAddress ? { localAddress: p.localAddress } : {}),
      ...(p.password ? { password: p.password } : {}),
      ...(p.multihopTtl ? { multihopTtl: p.multihopTtl } : {}),
      ...(p.holdTime ? { holdTime: p.holdTime } : {}),
      families: [...p.families],
      ...(p.routeReflectorClient ? { routeReflectorClient: true } : {}),
      ...(this.deps.connectRetrySeconds !== undefined ? { connectRetry: { initialMs: this.deps.connectRetrySeconds * 1000, maxMs: this.deps.connectRetrySeconds * 4000 } } : {}),
    };
  }

  private applyPolicy(config: PolicyConfig): void {
    const json = JSON.stringify(config);
    if (json === this.policyJson) return;
    this.speaker!.setPolicy(config);
    this.policyJson = json;
  }

  /** Starts the speaker, or restarts it when something that cannot change live did (ASN, router ID, listen). */
  private async ensureSpeaker(id: SpeakerIdentity): Promise<void> {
    if (this.speaker && this.identity && JSON.stringify(this.identity) === JSON.stringify(id)) return;
    if (this.speaker) {
      this.deps.log.warn(`BGP identity changed (${JSON.stringify(this.identity)} → ${JSON.stringify(id)}): restarting the speaker`);
      await this.speaker.stop({ graceful: false });
      this.peers.clear();
      this.policyJson = '';
      this.originated.clear();
    }
    const restarting = this.options.bgpGracefulRestart && this.preservedFamilies.length > 0;
    const opts: SpeakerOptions = {
      asn: id.asn,
      routerId: id.routerId,
      listen: { addresses: id.listen ? id.listen.split(',') : [], port: this.options.bgpPort },
      gracefulRestart: {
        enabled: this.options.bgpGracefulRestart,
        restartTime: Math.round(this.options.bgpGracefulRestartTimeMs / 1000),
        deferralTime: Math.round(this.options.bgpGracefulRestartDeferralTimeMs / 1000),
        restarting,
        preservedFamilies: restarting ? this.preservedFamilies : [],
      },
      ...(id.clusterId ? { clusterId: id.clusterId } : {}),
      ...(this.deps.netns ? { netns: this.deps.netns } : {}),
      log: (level: 'warn' | 'info', message: string) => (level === 'warn' ? this.deps.log.warn(message) : this.deps.log.info(message)),
    };
    const speaker = new BgpSpeaker(opts);
    speaker.on('bestPathChanged', (changes) => this.onBestPaths(changes));
    speaker.on('peerStateChanged', (c) => {
      this.metrics.countTransition(c.address, c.from, c.to);
      this.deps.log.info(`peer ${c.address}: ${c.from} → ${c.to}${c.reason ? ` (${c.reason})` : ''}`);
    });
    speaker.on('warning', (m) => this.deps.log.warn(m));
    if (restarting) {
      // RFC 4724 §4.1: the old kernel routes stay until the new table is complete (End-of-RIB from every GR peer, or
      // the deferral timer, both tracked by the speaker); then only what no peer re-sent is swept.
      speaker.once('selectionDeferralEnded', () => {
        void this.reconciler?.releaseSweep().then(
          () => this.deps.log.info('graceful restart: selection deferral over, stale kernel routes swept'),
          (e: unknown) => this.deps.log.warn(`graceful restart sweep: ${(e as Error).message}`),
        );
      });
    }
    this.speaker = speaker;
    this.speakerStarted = false;
    this.identity = id;
    this.restarting = restarting;
  }

  /** Starts the speaker once its peers are configured: a restarting speaker defers selection for exactly those peers. */
  private async startSpeaker(): Promise<void> {
    if (!this.speaker || this.speakerStarted) return;
    await this.speaker.start();
    this.speakerStarted = true;
    const id = this.identity!;
    this.deps.log.info(`BGP speaker AS ${id.asn} router ID ${id.routerId} listening on ${id.listen || '(none)'} port ${this.options.bgpPort}${this.restarting ? ' (graceful restart: restarting, forwarding state kept)' : ''}`);
  }

  private preservedFamilies: Array<'ipv4-unicast' | 'ipv6-unicast'> = [];
  private speakerStarted = false;
  private restarting = false;

  /** Creates the reconciler and tunnel backend once, and keeps overlay settings and pod CIDRs current. */
  private async ensureDataPlane(ipv4: string | undefined, ipv6: string | undefined, podCidrs: readonly string[]): Promise<void> {
    const overlay: OverlaySettings = { enabled: this.options.enableOverlay, type: this.options.overlayType, encap: this.options.overlayEncap };
    const netns = this.deps.netns ? { netns: this.deps.netns } : {};
    if (!this.reconciler) {
      if (!this.options.dryRun && this.options.enableOverlay) {
        if (this.options.overlayEncap === 'vxlan') {
          const nodeIP = ipv4 ?? ipv6!;
          this.tunnels = new VxlanBackend({ nodeIP, underlay: await underlayOf(nodeIP, this.deps.netns), localPodCidrs: podCidrs, ...netns });
        } else {
          this.tunnelManager = new TunnelManager({
            encap: this.options.overlayEncap, localAddresses: [ipv4, ipv6].filter((x): x is string => x !== undefined),
            fouPort: this.options.overlayEncapPort, ...netns,
          });
          this.tunnels = this.tunnelManager;
        }
      }
      const reconciler = new RouteReconciler({
        ...netns,
        ...(this.tunnels ? { tunnels: this.tunnels } : {}),
        overlay,
        podCidrs,
        nodeIps: { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) },
        dryRun: this.options.dryRun,
        syncPeriodMs: this.options.injectedRoutesSyncPeriodMs,
        ...(this.deps.rtTables && !this.options.dryRun ? { rtTables: this.deps.rtTables } : {}),
        hooks: {
          routesAdded: (n) => this.metrics.hostRoutesAdded.inc(n),
          routesRemoved: (n) => this.metrics.hostRoutesRemoved.inc(n),
          diff: (counts) => {
            for (const [k, v] of Object.entries(counts)) if (typeof v === 'number' && v > 0) this.metrics.reconcilerChanges.inc({ object: 'route', action: k }, v);
            this.metrics.hostRoutesSynced.set(this.reconciler?.ownedRouteCount ?? 0);
            this.heartbeats.beat(CONTROLLER_ROUTE_SYNC);
          },
          netlinkError: (e) => {
            // The operation text names the object (one value per route): label by the verb and errno only.
            this.metrics.netlinkErrors.inc({ operation: `${e.operation.split(' ').slice(0, 2).join(' ')} ${e.code}` });
            this.deps.log.warn(e.message);
          },
          error: (e) => this.deps.log.warn(`route sync: ${e.message}`),
          programmingLatency: (s) => this.metrics.routeProgramming.observe(s),
        },
      });
      if (this.options.autoMtu && (ipv4 ?? ipv6)) {
        // kube-router's --auto-mtu sets the bridge and CNI MTU; kroute writes no CNI config, so it reports the figure
        // that the CNI configuration should use.
        const nodeIP = (ipv4 ?? ipv6)!;
        try {
          const underlay = await underlayMtu(nodeIP, netns);
          this.podMtu = this.options.enableOverlay ? autoMtu(underlay, this.options.overlayEncap, isIP(nodeIP) === 6 ? AF_INET6 : AF_INET) : underlay;
          this.deps.log.info(`auto MTU: pods and bridges should use MTU ${this.podMtu} (underlay ${underlay}${this.options.enableOverlay ? `, ${this.options.overlayEncap} overlay` : ''})`);
        } catch (e) {
          this.deps.log.warn(`auto MTU: ${(e as Error).message}`);
        }
      }
      if (this.options.bgpGracefulRestart) reconciler.holdSweep();
      await reconciler.start();
      this.reconciler = reconciler;
      if (this.options.bgpGracefulRestart) {
        const kept = reconciler.ownedRoutes().filter((r) => r.kind === 'stale' && r.table === MAIN_TABLE);
        this.preservedFamilies = [...new Set(kept.map((r): 'ipv4-unicast' | 'ipv6-unicast' => (r.family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast')))];
        if (kept.length === 0) await reconciler.releaseSweep();
        else this.deps.log.info(`graceful restart: keeping ${kept.length} kernel routes from the previous run until the new table is complete`);
      }
      this.overlayJson = JSON.stringify(overlay);
      this.podCidrsJson = JSON.stringify(podCidrs);
      return;
    }
    if (JSON.stringify(overlay) !== this.overlayJson) {
      this.overlayJson = JSON.stringify(overlay);
      await this.reconciler.setOverlay(overlay);
    }
    if (JSON.stringify(podCidrs) !== this.podCidrsJson) {
      this.podCidrsJson = JSON.stringify(podCidrs);
      await this.reconciler.setPodCidrs(podCidrs);
    }
  }

  private onBestPaths(changes: readonly BestPathChange[]): void {
    const r = this.reconciler;
    if (!r) return;
    for (const c of changes) {
      const fam: IpFamily = c.family === 'ipv4-unicast' ? 4 : 6;
      if (c.best === null || c.best.peer === LOCAL || !this.families.has(fam)) {
        r.withdraw(c.prefix);
        continue;
      }
      this.metrics.advertisementsReceived.inc();
      const hops = new Map<string, NextHopInfo>();
      for (const p of c.ecmp.length > 0 ? c.ecmp : [c.best]) {
        if (!p.nextHop || p.peer === LOCAL || hops.has(p.nextHop)) continue;
        const node = this.nodesByIp.get(p.nextHop);
        hops.set(p.nextHop, node
          ? { address: p.nextHop, clusterNode: true, node: node.name, podCidrs: node.podCidrs }
          : { address: p.nextHop, clusterNode: false });
      }
      if (hops.size === 0) r.withdraw(c.prefix);
      else r.setPath({ prefix: c.prefix, nextHops: [...hops.values()] });
    }
  }

  /** Our AS (0 until BGP has started). */
  asn(): number {
    return this.identity?.asn ?? 0;
  }

  routerId(): string {
    return this.identity?.routerId ?? '';
  }

  listenAddresses(): string[] {
    return this.identity?.listen ? this.identity.listen.split(',') : [];
  }

  /** The external/internal type of a configured peer (for the API), if known. */
  peerType(address: string): 'internal' | 'external' | undefined {
    return this.peerTypes.get(address)?.type;
  }
}

const LOCAL = 'local';
const VXLAN_CLEANUP_PLACEHOLDER_IP = '0.0.0.0';
/** Linux address family numbers, as the tunnel package's MTU arithmetic takes them. */
const AF_INET = 2;
const AF_INET6 = 10;
const MAIN_TABLE = 254;

function nodeIps(node: V1Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address) !== 0).map((a) => a.address);
}

function indexNodes(nodes: ClusterSnapshot['nodes'], problems: string[]): Map<string, NodeInfo> {
  const out = new Map<string, NodeInfo>();
  for (const n of nodes) {
    let cidrs: string[] = [];
    try {
      const c = nodePodCidrs(n);
      cidrs = [...c.v4, ...c.v6];
    } catch (e) {
      problems.push((e as Error).message);
    }
    for (const ip of nodeIps(n)) out.set(ip, { name: n.metadata?.name ?? '', podCidrs: cidrs });
  }
  return out;
}

/** The interface that holds `address` (the VXLAN underlay). */
async function underlayOf(address: string, netns: string | undefined): Promise<number> {
  const { Rtnl } = await import('@kroute/routing');
  const rtnl = Rtnl.open(netns ? { netns } : {});
  try {
    const addrs = await rtnl.listAddresses();
    // Rtnl lists addresses in CIDR form (`10.0.0.1/24`).
    const hit = addrs.find((a) => a.address.split('/')[0] === address);
    if (!hit) throw new Error(`no interface holds the node address ${address}`);
    return hit.index;
  } finally {
    rtnl.close();
  }
}
