// `kroute lab`: a whole routing lab on one machine. The default needs no root and no gobgpd: N kroute agents in
// this process on 127.0.0.1..N in a full iBGP mesh, each advertising its pod CIDR and a service VIP from a built-in
// cluster, routes computed in dry-run, each with its REST API. It prints a live summary until Ctrl-C.
import { parseFlags } from '../config/flags.js';
import { UsageError, EXIT_OK } from '../config/usage-error.js';
import { StaticClusterSource } from '../cluster/static-source.js';
import { startAgent, type RunningAgent } from '../runtime/main.js';
import { consoleLogger, silentLogger } from '../runtime/log.js';
import { AgentView } from '../runtime/view.js';
import { LAB_MAX_NODES, LAB_VIP_RANGE, labCluster, labNodeIp, labNodeName, labPodCidr } from './cluster.js';

export interface LabOptions {
  nodes: number;
  bgpPort: number;
  apiPort: number;
  verbose: boolean;
  /** `--netns`: nodes in network namespaces with real kernel routes and a gobgpd router (root; netns-lab.ts). */
  netns: boolean;
}

const DEFAULT_LAB_BGP_PORT = 17179;
const DEFAULT_LAB_API_PORT = 20245;
/** The lab's sessions are on loopback: retry fast so start-up converges in seconds. */
const LAB_CONNECT_RETRY_S = 1;
const SUMMARY_POLL_MS = 100;

export function parseLabArgs(argv: readonly string[]): LabOptions {
  const o: LabOptions = { nodes: 3, bgpPort: DEFAULT_LAB_BGP_PORT, apiPort: DEFAULT_LAB_API_PORT, verbose: false, netns: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const num = (min: number, max: number) => {
      const v = inline ?? argv[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
        throw new UsageError(flag.replace(/^--/, ''), v, `must be a number from ${min} to ${max}`);
      }
      return Number(v);
    };
    if (flag === '--nodes') o.nodes = num(1, LAB_MAX_NODES);
    else if (flag === '--bgp-port') o.bgpPort = num(1024, 65535);
    else if (flag === '--api-port') o.apiPort = num(0, 65535);
    else if (flag === '-v' || flag === '--verbose') o.verbose = true;
    else if (flag === '--netns') o.netns = true;
    else throw new UsageError(flag.replace(/^--?/, ''), inline, 'unknown lab flag (--nodes, --bgp-port, --api-port, --netns, -v)');
  }
  return o;
}

interface NodeStatus {
  established: number;
  peers: number;
  podRoutes: number;
  routes: number;
}

export class Lab {
  readonly agents: RunningAgent[] = [];
  readonly startedAt = Date.now();
  convergedAfterMs: number | undefined;

  constructor(readonly options: LabOptions) {}

  async start(): Promise<void> {
    const cluster = labCluster(this.options.nodes);
    for (let i = 1; i <= this.options.nodes; i++) {
      const { options } = parseFlags([
        '--cluster-asn=64512', `--bgp-port=${this.options.bgpPort}`, '--dry-run', '--health-port=0',
        '--advertise-external-ip', `--service-external-ip-range=${LAB_VIP_RANGE}`,
        ...(this.options.apiPort > 0 ? ['--api-addr=127.0.0.1', `--api-port=${this.options.apiPort + i - 1}`] : ['--api-port=0']),
      ]);
      const log = this.options.verbose ? consoleLogger(2, `[${labNodeName(i)}] `) : silentLogger;
      this.agents.push(await startAgent(options, log, { source: new StaticClusterSource(cluster), nodeName: labNodeName(i), connectRetrySeconds: LAB_CONNECT_RETRY_S }));
    }
  }

  status(): NodeStatus[] {
    return this.agents.map(({ agent }) => {
      const neighbors = agent.speaker?.neighbors() ?? [];
      let podRoutes = 0;
      let routes = 0;
      for (const r of agent.speaker?.locRib('ipv4-unicast') ?? []) {
        routes++;
        if (r.prefix.startsWith('10.244.')) podRoutes++;
      }
      return { established: neighbors.filter((n) => n.state === 'Established').length, peers: neighbors.length, podRoutes, routes };
    });
  }

  /** Converged: every session up and every node has every pod CIDR. */
  converged(status = this.status()): boolean {
    const n = this.options.nodes;
    return status.every((s) => s.established === n - 1 && s.podRoutes === n);
  }

  summary(): string {
    const st = this.status();
    if (this.convergedAfterMs === undefined && this.converged(st)) this.convergedAfterMs = Date.now() - this.startedAt;
    const sessions = st.reduce((a, s) => a + s.established, 0);
    const total = st.reduce((a, s) => a + s.peers, 0);
    const routes = st.reduce((a, s) => a + s.routes, 0);
    const conv = this.convergedAfterMs === undefined ? 'converging' : `converged in ${this.convergedAfterMs} ms`;
    return `lab: ${this.options.nodes} nodes, sessions ${Math.floor(sessions / 2)}/${total / 2} established, ${routes} routes in all Loc-RIBs, ${conv}`;
  }

  table(): string {
    const st = this.status();
    const lines = ['node     address     pod CIDR        sessions  routes  kernel routes planned (dry run)'];
    this.agents.forEach(({ agent }, idx) => {
      const i = idx + 1;
      const planned = String(new AgentView(agent, '').plannedRoutes().length);
      lines.push(`${labNodeName(i).padEnd(8)} ${labNodeIp(i).padEnd(11)} ${labPodCidr(i).padEnd(15)} ${`${st[idx]!.established}/${st[idx]!.peers}`.padEnd(9)} ${String(st[idx]!.routes).padEnd(7)} ${planned}`);
    });
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop(false)));
  }
}

export async function runLab(argv: readonly string[]): Promise<number> {
  const opts = parseLabArgs(argv);
  if (opts.netns) {
    const { runNetnsLab } = await import('./netns-lab.js');
    return runNetnsLab(opts);
  }
  const lab = new Lab(opts);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`kroute lab: ${opts.nodes} speakers on 127.0.0.1-${opts.nodes} port ${opts.bgpPort}, full iBGP mesh (AS 64512), routes in dry-run`);
  await lab.start();
  if (opts.apiPort > 0) out(`REST API: http://127.0.0.1:${opts.apiPort}/api/v1/neighbors (node lab-1; lab-N on port ${opts.apiPort}+N-1); try: kroute neighbor --api http://127.0.0.1:${opts.apiPort}`);
  out('Ctrl-C stops the lab.');
  let last = '';
  let wasConverged = false;
  const tick = () => {
    const line = lab.summary();
    if (line !== last) {
      out(line);
      last = line;
    }
    if (!wasConverged && lab.convergedAfterMs !== undefined) {
      wasConverged = true;
      out(lab.table());
    }
  };
  // Print a line only when something changed; poll often so the convergence time is measured closely.
  const timer = setInterval(tick, SUMMARY_POLL_MS);
  return new Promise<number>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      out('stopping the lab');
      lab.stop().then(() => resolve(EXIT_OK), () => resolve(EXIT_OK));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
