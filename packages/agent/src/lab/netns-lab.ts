// `kroute lab --netns` (root): the lab's N nodes, each in its own network namespace on one underlay segment, each
// with a pod namespace behind a bridge; one gobgpd router (AS 65000) peering eBGP with TCP-MD5 with every node. The
// agents run in this process with their sockets, routes and VXLAN overlay inside their node's namespace, program
// real kernel routes, and the lab then pings every pod from every other pod, prints the result and the router's RIB,
// and stays up until Ctrl-C. Everything it made is removed on exit; a killed run's leftovers at the next start.
import { mkdtempSync, rmSync } from 'node:fs';
import { EXIT_OK, EXIT_RUNTIME } from '../config/usage-error.js';
import { parseFlags } from '../config/flags.js';
import { StaticClusterSource } from '../cluster/static-source.js';
import type { ClusterSnapshot } from '../cluster/types.js';
import { startAgent, type RunningAgent } from '../runtime/main.js';
import { consoleLogger, silentLogger } from '../runtime/log.js';
import { LAB_VIP_RANGE, labCluster, labNodeName, labPodCidr, labVip } from './cluster.js';
import { GobgpdRouter } from './gobgpd-router.js';
import { LabPrerequisiteError, onPath } from './host-command.js';
import { maxNodesFor, neighbourEntriesNeeded, neighbourTableCap } from './neighbour-budget.js';
import type { LabOptions } from './lab.js';
import { destroyNetns, destroyNetnsSync, netnsLabDirPrefix, sweepStaleNetnsLabs } from './netns-registry.js';
import { buildTopology, labPodIp, labUnderlayIp, pingOthers, ROUTER_ASN, ROUTER_IP, topologyNames, type LabTopology } from './netns-topology.js';

const CLUSTER_ASN = 64512;
/** The TCP-MD5 key between the router and every node (kroute's flag wants it in base64, as kube-router). */
const ROUTER_PASSWORD = 'kroute-lab';
/** Sessions are one hop on a private segment: retry fast so the lab converges in seconds. */
const CONNECT_RETRY_S = 1;
const POLL_MS = 100;
const CONVERGE_BASE_TIMEOUT_MS = 60_000;
const CONVERGE_PER_NODE_MS = 2_000;
/** Source pods pinging at once (each runs its own sequential loop over the other pods). */
const PING_CONCURRENCY = 4;
const MAIN_TABLE = 254;

/** The default lab's cluster with node addresses on the underlay instead of loopback. */
export function netnsLabCluster(n: number): ClusterSnapshot {
  const c = labCluster(n);
  return {
    ...c,
    nodes: c.nodes.map((node, k) => ({
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: labUnderlayIp(k + 1) }, { type: 'Hostname', address: labNodeName(k + 1) }] },
    })),
  };
}

/** Refuses a node count whose VXLAN neighbour entries cannot fit in the kernel's shared ARP table (see neighbour-budget.ts). */
export function checkNodeCount(nodes: number, cap = neighbourTableCap()): void {
  if (neighbourEntriesNeeded(nodes) <= cap) return;
  throw new LabPrerequisiteError(
    `kroute lab --netns --nodes ${nodes}: the nodes share one kernel, whose ARP table (all namespaces together) holds at most ` +
    `${cap} entries (net.ipv4.neigh.default.gc_thresh3), and ${nodes} VXLAN nodes need about ${neighbourEntriesNeeded(nodes)} ` +
    `(a permanent entry per remote node on every node); use --nodes ${maxNodesFor(cap)} or fewer, or raise gc_thresh3 on this host`,
  );
}

export function checkNetnsPrerequisites(): void {
  if (process.getuid?.() !== 0) {
    throw new LabPrerequisiteError('kroute lab --netns needs root: it creates network namespaces and programs kernel routes in them (run it as root, or run `kroute lab` without --netns)');
  }
  const missing = ['ip', 'gobgpd', 'gobgp', 'ping'].filter((c) => !onPath(c));
  if (missing.length > 0) {
    throw new LabPrerequisiteError(`kroute lab --netns needs ${missing.join(', ')} on PATH (Debian packages: iproute2, gobgpd, iputils-ping)`);
  }
}

export interface ReachabilityResult {
  /** Ordered pod pairs pinged. */
  pairs: number;
  /** `from -> to` pairs without an answer. */
  failed: string[];
  pingMs: number;
}

export class NetnsLab {
  readonly topology: LabTopology;
  readonly agents: RunningAgent[] = [];
  router: GobgpdRouter | undefined;
  private readonly created: string[] = [];
  private dir: string | undefined;
  private aborted = false;
  private tornDown = false;

  constructor(readonly options: LabOptions, private readonly out: (line: string) => void) {
    this.topology = topologyNames(process.pid, options.nodes);
  }

  /** Builds the namespaces and the router, starts the agents; resolves when every node has every route. */
  async start(): Promise<number> {
    checkNetnsPrerequisites();
    const swept = await sweepStaleNetnsLabs();
    if (swept.length > 0) this.out(`removed ${swept.length} namespaces left by a killed lab run`);
    this.dir = mkdtempSync(netnsLabDirPrefix(process.pid));
    const n = this.options.nodes;
    const t0 = Date.now();
    await buildTopology(this.topology, (name) => this.created.push(name));
    this.checkAborted();
    this.out(`namespaces: ${this.created.length} (${n} nodes, ${n} pods, switch, router) built in ${Date.now() - t0} ms`);

    this.router = new GobgpdRouter(this.topology.routerNs, `${this.dir}/gobgpd.toml`, `${this.dir}/gobgpd.log`);
    await this.router.start({
      asn: ROUTER_ASN, routerId: ROUTER_IP, password: ROUTER_PASSWORD, nodePort: this.options.bgpPort,
      neighbors: Array.from({ length: n }, (_, k) => ({ address: labUnderlayIp(k + 1), asn: CLUSTER_ASN })),
    });

    const started = Date.now();
    const cluster = netnsLabCluster(n);
    for (let i = 1; i <= n; i++) {
      this.checkAborted();
      const { options } = parseFlags([
        `--cluster-asn=${CLUSTER_ASN}`, `--bgp-port=${this.options.bgpPort}`, '--health-port=0',
        `--peer-router-ips=${ROUTER_IP}`, `--peer-router-asns=${ROUTER_ASN}`, `--peer-router-passwords=${Buffer.from(ROUTER_PASSWORD).toString('base64')}`,
        '--advertise-external-ip', `--service-external-ip-range=${LAB_VIP_RANGE}`,
        // This kernel has no ipip/fou: VXLAN, and for every node, so the overlay is exercised on one segment.
        '--enable-overlay', '--overlay-type=full', '--overlay-encap=vxlan',
        ...(this.options.apiPort > 0 ? ['--api-addr=127.0.0.1', `--api-port=${this.options.apiPort + i - 1}`] : ['--api-port=0']),
      ]);
      const log = this.options.verbose ? consoleLogger(2, `[${labNodeName(i)}] `) : silentLogger;
      this.agents.push(await startAgent(options, log, {
        netns: this.topology.nodeNs[i - 1]!, source: new StaticClusterSource(cluster), nodeName: labNodeName(i), connectRetrySeconds: CONNECT_RETRY_S,
      }));
    }
    await this.waitConverged(CONVERGE_BASE_TIMEOUT_MS + n * CONVERGE_PER_NODE_MS);
    return Date.now() - started;
  }

  /** Per node: established sessions and kernel pod routes. */
  status(): Array<{ established: number; podRoutes: number }> {
    return this.agents.map(({ agent }) => ({
      established: (agent.speaker?.neighbors() ?? []).filter((x) => x.state === 'Established').length,
      podRoutes: (agent.reconciler?.ownedRoutes() ?? []).filter((r) => r.table === MAIN_TABLE && r.kind !== 'stale' && r.prefix.startsWith('10.244.')).length,
    }));
  }

  private async waitConverged(timeoutMs: number): Promise<void> {
    const n = this.options.nodes;
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.checkAborted();
      const st = this.status();
      // n - 1 iBGP sessions plus the router; a route to every other node's pod CIDR.
      if (st.every((s) => s.established === n && s.podRoutes === n - 1)) {
        const rib = await this.router!.rib();
        if (await this.router!.established() === n && Array.from({ length: n }, (_, k) => `${labVip(k + 1)}/32`).every((p) => rib.routes.some((r) => r.prefix === p))) return;
      }
      if (Date.now() > end) {
        throw new Error(`the lab did not converge within ${timeoutMs} ms: ${st.map((s, k) => `${labNodeName(k + 1)} ${s.established}/${n} sessions ${s.podRoutes}/${n - 1} routes`).join(', ')}\n--- gobgpd log ---\n${this.router!.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Pings every pod from every other pod. */
  async verify(): Promise<ReachabilityResult> {
    const n = this.options.nodes;
    const t0 = Date.now();
    const failed: string[] = [];
    let next = 1;
    const worker = async () => {
      while (next <= n) {
        const from = next++;
        for (const to of await pingOthers(this.topology, from)) failed.push(`${labPodIp(from)} -> ${to}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PING_CONCURRENCY, n) }, worker));
    return { pairs: n * (n - 1), failed, pingMs: Date.now() - t0 };
  }

  table(): string {
    const st = this.status();
    const lines = ['node     namespace                     underlay IP   pod CIDR        pod IP        sessions  kernel pod routes'];
    this.agents.forEach((_, k) => {
      const i = k + 1;
      lines.push(`${labNodeName(i).padEnd(8)} ${this.topology.nodeNs[k]!.padEnd(29)} ${labUnderlayIp(i).padEnd(13)} ${labPodCidr(i).padEnd(15)} ${labPodIp(i).padEnd(13)} ${`${st[k]!.established}/${this.options.nodes}`.padEnd(9)} ${st[k]!.podRoutes}`);
    });
    return lines.join('\n');
  }

  /** Makes a running start() give up at its next step (Ctrl-C during start-up). */
  abort(): void {
    this.aborted = true;
  }

  private checkAborted(): void {
    if (this.aborted) throw new Error('interrupted');
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    await Promise.all(this.agents.map((a) => a.stop(false).catch(() => undefined)));
    this.router?.stop();
    for (const name of [...this.created].reverse()) await destroyNetns(name);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** For the exit handler: no event loop, so no agent stop; deleting the namespaces removes their routes too. */
  teardownSync(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.router?.stop();
    for (const name of [...this.created].reverse()) destroyNetnsSync(name);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function runNetnsLab(opts: LabOptions): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    checkNetnsPrerequisites();
    checkNodeCount(opts.nodes);
  } catch (e) {
    process.stderr.write(`kroute: ${(e as Error).message}\n`);
    return EXIT_RUNTIME;
  }
  const lab = new NetnsLab(opts, out);
  let wake: () => void = () => undefined;
  const signalled = new Promise<'signal'>((resolve) => { wake = () => resolve('signal'); });
  const onSignal = () => { lab.abort(); wake(); };
  const onExit = () => lab.teardownSync();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  let code = EXIT_OK;
  out(`kroute lab --netns: ${opts.nodes} nodes in namespaces ${lab.topology.nodeNs[0]}..., iBGP full mesh (AS ${CLUSTER_ASN}), gobgpd router AS ${ROUTER_ASN} at ${ROUTER_IP} (eBGP, TCP-MD5), VXLAN overlay, real kernel routes`);
  const starting = lab.start();
  try {
    const first = await Promise.race([starting, signalled]);
    if (first !== 'signal') {
      out(`converged in ${first} ms: every node has ${opts.nodes} BGP sessions and a kernel route to every other pod CIDR; the router has every VIP`);
      out(lab.table());
      const v = await lab.verify();
      if (v.failed.length === 0) out(`reachability: OK, ${v.pairs}/${v.pairs} pod-to-pod pings answered (${v.pingMs} ms)`);
      else {
        code = EXIT_RUNTIME;
        out(`reachability: FAILED, ${v.pairs - v.failed.length}/${v.pairs} pod-to-pod pings answered; no answer: ${v.failed.join(', ')}`);
      }
      out(`gobgpd RIB (ip netns exec ${lab.topology.routerNs} gobgp global rib):`);
      out((await lab.router!.rib()).text.trimEnd());
      if (opts.apiPort > 0) out(`REST API: http://127.0.0.1:${opts.apiPort}/api/v1/neighbors (node lab-1; lab-N on port ${opts.apiPort}+N-1)`);
      out(`try: ip netns exec ${lab.topology.podNs[0]} ping ${labPodIp(Math.min(2, opts.nodes))}`);
      out('Ctrl-C stops the lab.');
      await signalled;
    }
  } catch (e) {
    code = EXIT_RUNTIME;
    if ((e as Error).message !== 'interrupted') process.stderr.write(`kroute lab --netns: ${(e as Error).message}\n`);
  } finally {
    out('stopping the lab');
    await starting.catch(() => undefined);
    await lab.teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    out('lab removed');
  }
  return code;
}
