// kroute's command line: pflag syntax (`--name=value`, `--name value`, bare `--bool`, `-v 2`), kube-router's flag
// names and defaults, and checks that name the flag and the bad value (exit code 2).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  DEFAULT_API_PORT, DEFAULT_BGP_PORT, DEFAULT_HEALTH_PORT,
  type AgentOptions, type ExternalPeerOption, type OverlayEncap, type OverlayType,
} from './options.js';
import { UsageError } from './usage-error.js';
import { parseBool, parseCidr, parseDurationMs, parseIp, parseUint, splitCsv, decodeBase64Password } from './values.js';
import { isValidPeerAsn, isValidClusterAsn } from './asn.js';

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
const UINT8_MAX = 0xff;
const SECOND_MS = 1000;
/** RFC 4271 §4.2: hold time is 0 or at least 3 seconds, in a 2-octet field. kube-router: 3s..65536s; the wire caps it. */
const MIN_HOLD_TIME_MS = 3 * SECOND_MS;
const MAX_HOLD_TIME_MS = UINT16_MAX * SECOND_MS;
/** RFC 4724 §3: the restart time is a 12-bit field. */
const MAX_GR_RESTART_TIME_MS = 4095 * SECOND_MS;
/** kube-router caps the deferral time at 18 hours (pkg/cmd/kube-router.go). */
const MAX_GR_DEFERRAL_TIME_MS = 18 * 3600 * SECOND_MS;
/** kube-router: the FoU port must not be a privileged port. */
const MIN_OVERLAY_ENCAP_PORT = 1024;

type Kind = 'bool' | 'value' | 'slice';

interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: Kind;
  readonly help: string;
  /** Applies one occurrence; `first` tells a slice flag to replace its default instead of appending. */
  apply(opts: AgentOptions, raw: string, first: boolean): void;
}

function bool(name: string, help: string, set: (o: AgentOptions, v: boolean) => void, short?: string): FlagSpec {
  return { name, kind: 'bool', help, ...(short ? { short } : {}), apply: (o, raw) => set(o, parseBool(raw)) };
}
function value(name: string, help: string, set: (o: AgentOptions, raw: string) => void, short?: string): FlagSpec {
  return { name, kind: 'value', help, ...(short ? { short } : {}), apply: (o, raw) => set(o, raw) };
}
function slice<T>(name: string, help: string, parseItem: (s: string) => T, get: (o: AgentOptions) => T[], set: (o: AgentOptions, v: T[]) => void): FlagSpec {
  return {
    name, kind: 'slice', help,
    apply: (o, raw, first) => {
      const items = splitCsv(raw).map((s) => s.trim()).map(parseItem);
      set(o, first ? items : [...get(o), ...items]);
    },
  };
}
/** A kube-router flag for a feature kroute does not provide: accepted when off, a clear error when asked for. */
function notProvided(name: string, feature: string): FlagSpec {
  return {
    name, kind: 'bool', help: `accepted for kube-router compatibility; kroute does not provide ${feature}`,
    apply: (_o, raw) => {
      if (parseBool(raw)) throw new Error(`kroute does not provide ${feature}; run kube-router (or another component) for it and set --${name}=false`);
    },
  };
}
/** A kube-router flag that has no effect in kroute (its job is done differently or not needed); parsed, then ignored. */
function ignored(name: string, kind: Kind, why: string, check: (raw: string) => unknown = () => undefined): FlagSpec {
  return { name, kind, help: `accepted for kube-router compatibility; ${why}`, apply: (_o, raw) => { check(raw); } };
}

const durationPositive = (raw: string): number => {
  const ms = parseDurationMs(raw);
  if (ms <= 0) throw new Error('must be greater than 0');
  return ms;
};

export const FLAGS: readonly FlagSpec[] = [
  // Kubernetes and identity
  value('kubeconfig', 'path to a kubeconfig file', (o, v) => { o.kubeconfig = v; }),
  value('master', 'address of the Kubernetes API server (overrides the kubeconfig)', (o, v) => { o.master = v; }),
  value('hostname-override', 'name of this node (else NODE_NAME, else the hostname)', (o, v) => { o.hostnameOverride = v; }),
  value('cluster-state', 'read Nodes, Services and EndpointSlices from this YAML file instead of an API server, and watch it', (o, v) => { o.clusterState = v; }),
  // BGP
  bool('run-router', 'run the routing controller', (o, v) => { o.runRouter = v; }),
  value('cluster-asn', 'ASN of the cluster nodes for iBGP (0 = 64512)', (o, v) => {
    const asn = parseUint(v, UINT32_MAX);
    if (asn !== 0 && !isValidClusterAsn(asn)) throw new Error('must be in 64512-65535 or 4200000000-4294967294 (private ASN ranges)');
    o.clusterAsn = asn;
  }),
  value('bgp-port', 'local BGP port, and the remote port of iBGP peers', (o, v) => {
    const p = parseUint(v, UINT16_MAX);
    if (p === 0) throw new Error('must be 1-65535');
    o.bgpPort = p;
  }),
  value('router-id', 'BGP router ID: an IPv4 address, "generate", or empty for the node IP', (o, v) => {
    if (v !== '' && v !== 'generate' && isIP(v) !== 4) throw new Error('must be an IPv4 address, "generate", or empty');
    o.routerId = v;
  }),
  slice('peer-router-ips', 'external BGP peers every node peers with', parseIp, (o) => o.peerRouterIps, (o, v) => { o.peerRouterIps = v; }),
  slice('peer-router-asns', 'ASN of each --peer-router-ips entry', (s) => {
    const asn = parseUint(s, UINT32_MAX);
    if (!isValidPeerAsn(asn)) throw new Error(`ASN ${asn} is reserved`);
    return asn;
  }, (o) => o.peerRouterAsns, (o, v) => { o.peerRouterAsns = v; }),
  slice('peer-router-ports', 'remote port of each external peer (default 179)', (s) => {
    const p = parseUint(s, UINT16_MAX);
    if (p === 0) throw new Error('port must be 1-65535');
    return p;
  }, (o) => o.peerRouterPorts, (o, v) => { o.peerRouterPorts = v; }),
  slice('peer-router-passwords', 'base64 TCP-MD5 password of each external peer (blank = none)', decodeBase64Password,
    (o) => o.peerRouterPasswords, (o, v) => { o.peerRouterPasswords = v; }),
  value('peer-router-passwords-file', 'file with the base64 passwords, comma-separated on one line', (o, v) => { o.peerRouterPasswordsFile = v; }),
  value('peer-router-multihop-ttl', 'eBGP multihop TTL for external peers (used when > 1)', (o, v) => { o.peerRouterMultihopTtl = parseUint(v, UINT8_MAX); }),
  value('bgp-holdtime', 'hold time for external peers', (o, v) => {
    const ms = parseDurationMs(v);
    if (ms < MIN_HOLD_TIME_MS || ms > MAX_HOLD_TIME_MS) throw new Error('must be between 3s and 65535s');
    o.bgpHoldtimeMs = ms;
  }),
  bool('bgp-graceful-restart', 'advertise and honour BGP graceful restart', (o, v) => { o.bgpGracefulRestart = v; }),
  value('bgp-graceful-restart-time', 'graceful restart time', (o, v) => {
    const ms = durationPositive(v);
    if (ms > MAX_GR_RESTART_TIME_MS) throw new Error('must be at most 4095s');
    o.bgpGracefulRestartTimeMs = ms;
  }),
  value('bgp-graceful-restart-deferral-time', 'graceful restart deferral time', (o, v) => {
    const ms = durationPositive(v);
    if (ms > MAX_GR_DEFERRAL_TIME_MS) throw new Error('must be at most 18h');
    o.bgpGracefulRestartDeferralTimeMs = ms;
  }),
  bool('nodes-full-mesh', 'peer with every other node', (o, v) => { o.nodesFullMesh = v; }),
  bool('enable-ibgp', 'peer with other nodes', (o, v) => { o.enableIbgp = v; }),
  // Advertisement
  bool('advertise-pod-cidr', "advertise the node's pod CIDR to external peers", (o, v) => { o.advertisePodCidr = v; }),
  bool('advertise-cluster-ip', 'advertise service cluster IPs', (o, v) => { o.advertiseClusterIp = v; }),
  bool('advertise-external-ip', 'advertise service external IPs', (o, v) => { o.advertiseExternalIp = v; }),
  bool('advertise-loadbalancer-ip', 'advertise service LoadBalancer IPs', (o, v) => { o.advertiseLoadbalancerIp = v; }),
  bool('override-nexthop', 'next-hop-self towards external peers', (o, v) => { o.overrideNexthop = v; }),
  // Overlay
  bool('enable-overlay', 'tunnel pod traffic to nodes in other subnets', (o, v) => { o.enableOverlay = v; }),
  value('overlay-type', 'subnet (tunnel across subnets only) or full (always tunnel)', (o, v) => {
    if (v !== 'subnet' && v !== 'full') throw new Error('must be "subnet" or "full"');
    o.overlayType = v as OverlayType;
  }),
  value('overlay-encap', 'ipip, fou, or vxlan (kroute)', (o, v) => {
    if (v !== 'ipip' && v !== 'fou' && v !== 'vxlan') throw new Error('must be "ipip", "fou" or "vxlan"');
    o.overlayEncap = v as OverlayEncap;
  }),
  value('overlay-encap-port', 'FoU/GUE port', (o, v) => {
    const p = parseUint(v, UINT16_MAX);
    if (p < MIN_OVERLAY_ENCAP_PORT) throw new Error(`must be ${MIN_OVERLAY_ENCAP_PORT}-65535`);
    o.overlayEncapPort = p;
  }),
  bool('auto-mtu', 'derive the pod MTU from the node interface', (o, v) => { o.autoMtu = v; }),
  // Families and ranges
  bool('enable-ipv4', 'IPv4 routing', (o, v) => { o.enableIpv4 = v; }),
  bool('enable-ipv6', 'IPv6 routing', (o, v) => { o.enableIpv6 = v; }),
  slice('service-cluster-ip-range', 'service cluster IP ranges', parseCidr, (o) => o.serviceClusterIpRange, (o, v) => { o.serviceClusterIpRange = v; }),
  slice('service-external-ip-range', 'ranges external IPs must be in (strict validation)', parseCidr, (o) => o.serviceExternalIpRange, (o, v) => { o.serviceExternalIpRange = v; }),
  slice('loadbalancer-ip-range', 'ranges LoadBalancer IPs must be in (strict validation)', parseCidr, (o) => o.loadbalancerIpRange, (o, v) => { o.loadbalancerIpRange = v; }),
  bool('strict-external-ip-validation', 'advertise external/LB IPs only inside the configured ranges', (o, v) => { o.strictExternalIpValidation = v; }),
  // Timers
  value('routes-sync-period', 'period of the main loop', (o, v) => { o.routesSyncPeriodMs = durationPositive(v); }),
  value('injected-routes-sync-period', 'period of the kernel route reconcile', (o, v) => { o.injectedRoutesSyncPeriodMs = durationPositive(v); }),
  // Operations
  value('health-port', '/healthz port (0 = off)', (o, v) => { o.healthPort = parseUint(v, UINT16_MAX); }),
  value('metrics-port', 'Prometheus metrics port (0 = off)', (o, v) => { o.metricsPort = parseUint(v, UINT16_MAX); }),
  value('metrics-path', 'Prometheus metrics path', (o, v) => {
    if (!v.startsWith('/')) throw new Error('must start with /');
    o.metricsPath = v;
  }),
  value('metrics-addr', 'address for the metrics server (empty = all)', (o, v) => {
    if (v !== '' && isIP(v) === 0) throw new Error('must be an IP address or empty');
    o.metricsAddr = v;
  }),
  bool('cleanup-config', "remove kroute's routes, rules and tunnels, then exit", (o, v) => { o.cleanupConfig = v; }),
  value('v', 'log verbosity', (o, v) => { o.verbosity = parseUint(v, 10); }, 'v'),
  bool('version', 'print the version and exit', (o, v) => { o.version = v; }, 'V'),
  bool('help', 'print usage and exit', (o, v) => { o.help = v; }, 'h'),
  // kroute's own
  value('api-addr', 'REST API address (non-loopback means unauthenticated remote access)', (o, v) => { o.apiAddr = parseIp(v); }),
  value('api-port', 'REST API port (0 = off)', (o, v) => { o.apiPort = parseUint(v, UINT16_MAX); }),
  bool('api-allow-writes', 'allow the REST API to originate and withdraw paths', (o, v) => { o.apiAllowWrites = v; }),
  bool('dry-run', 'compute routes and tunnels but change nothing in the kernel', (o, v) => { o.dryRun = v; }),
  // kube-router flags for features outside kroute's scope
  notProvided('run-firewall', 'network policy (the firewall)'),
  notProvided('run-service-proxy', 'the IPVS service proxy'),
  notProvided('enable-bfd', 'BFD'),
  ignored('enable-pod-egress', 'bool', 'kroute does not program pod egress SNAT', parseBool),
  ignored('enable-cni', 'bool', 'kroute does not write CNI configuration', parseBool),
  ignored('disable-source-dest-check', 'bool', 'kroute does not call the AWS API', parseBool),
  ignored('gobgp-admin-port', 'value', 'kroute serves a REST API instead (--api-port)', (s) => parseUint(s, UINT16_MAX)),
  ignored('gobgp-admin-address', 'value', 'kroute serves a REST API instead (--api-addr)', parseIp),
  ignored('cache-sync-timeout', 'value', 'kroute waits for its informers without a timeout', parseDurationMs),
  ignored('bfd-port', 'value', 'kroute does not provide BFD'),
  ignored('bfd-detection-multiplier', 'value', 'kroute does not provide BFD'),
  ignored('bfd-desired-min-tx-interval', 'value', 'kroute does not provide BFD'),
  ignored('bfd-required-min-rx-interval', 'value', 'kroute does not provide BFD'),
];

const BY_NAME = new Map<string, FlagSpec>();
for (const f of FLAGS) {
  BY_NAME.set(f.name, f);
  if (f.short) BY_NAME.set(f.short, f);
}

export function defaultOptions(): AgentOptions {
  return {
    kubeconfig: '', master: '', hostnameOverride: '', clusterState: '',
    runRouter: true, clusterAsn: 0, bgpPort: DEFAULT_BGP_PORT, routerId: '',
    peerRouterIps: [], peerRouterAsns: [], peerRouterPorts: [], peerRouterPasswords: [], peerRouterPasswordsFile: '',
    peerRouterMultihopTtl: 0, bgpHoldtimeMs: 90 * SECOND_MS, bgpGracefulRestart: false,
    bgpGracefulRestartTimeMs: 90 * SECOND_MS, bgpGracefulRestartDeferralTimeMs: 360 * SECOND_MS,
    nodesFullMesh: true, enableIbgp: true,
    advertisePodCidr: true, advertiseClusterIp: false, advertiseExternalIp: false, advertiseLoadbalancerIp: false,
    overrideNexthop: false,
    enableOverlay: true, overlayType: 'subnet', overlayEncap: 'ipip', overlayEncapPort: 5555, autoMtu: true,
    enableIpv4: true, enableIpv6: false, serviceClusterIpRange: ['10.96.0.0/12'], serviceExternalIpRange: [],
    loadbalancerIpRange: [], strictExternalIpValidation: true,
    routesSyncPeriodMs: 5 * 60 * SECOND_MS, injectedRoutesSyncPeriodMs: 60 * SECOND_MS,
    healthPort: DEFAULT_HEALTH_PORT, metricsPort: 0, metricsPath: '/metrics', metricsAddr: '', cleanupConfig: false,
    verbosity: 0, version: false, help: false,
    apiAddr: '127.0.0.1', apiPort: DEFAULT_API_PORT, apiAllowWrites: false, dryRun: false,
  };
}

export interface ParsedArgs {
  readonly options: AgentOptions;
  /** Flags given explicitly, by long name (so callers can tell a default from a choice). */
  readonly given: ReadonlySet<string>;
  readonly positionals: string[];
}

/** Parses argv (without node and script) with pflag's rules. Throws UsageError naming the flag and value. */
export function parseFlags(argv: readonly string[]): ParsedArgs {
  const options = defaultOptions();
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(1) : arg.slice(1, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (name.length > 1 && BY_NAME.get(name)?.short !== name) {
        throw new UsageError(name, inline, 'unknown shorthand flag (long flags take two dashes)');
      }
    } else {
      positionals.push(arg);
      continue;
    }
    const spec = BY_NAME.get(name);
    if (!spec) throw new UsageError(name, inline, 'unknown flag (see kroute --help)');
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.kind === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(spec.name, undefined, 'needs a value');
      raw = next;
      i++;
    }
    try {
      spec.apply(options, raw, !given.has(spec.name));
    } catch (e) {
      throw new UsageError(spec.name, raw, (e as Error).message);
    }
    given.add(spec.name);
  }
  checkCombinations(options, given);
  return { options, given, positionals };
}

/** Rules that involve more than one flag, as kube-router applies them (reference §1.1, §1.4). */
function checkCombinations(o: AgentOptions, given: ReadonlySet<string>): void {
  if (o.peerRouterIps.length !== o.peerRouterAsns.length) {
    throw new UsageError('peer-router-asns', o.peerRouterAsns.join(','),
      `${o.peerRouterAsns.length} ASNs for ${o.peerRouterIps.length} --peer-router-ips; give one ASN per peer`);
  }
  if (o.peerRouterPorts.length !== 0 && o.peerRouterPorts.length !== o.peerRouterIps.length) {
    throw new UsageError('peer-router-ports', o.peerRouterPorts.join(','),
      `${o.peerRouterPorts.length} ports for ${o.peerRouterIps.length} peers; give none or one per peer`);
  }
  // The CLI flag wins over the file when both are set (kube-router).
  if (o.peerRouterPasswordsFile !== '' && !given.has('peer-router-passwords')) {
    let text: string;
    try {
      text = readFileSync(o.peerRouterPasswordsFile, 'utf8');
    } catch (e) {
      throw new UsageError('peer-router-passwords-file', o.peerRouterPasswordsFile, `cannot read: ${(e as Error).message}`);
    }
    try {
      o.peerRouterPasswords = splitCsv(text.trim()).map((s) => decodeBase64Password(s.trim()));
    } catch (e) {
      throw new UsageError('peer-router-passwords-file', o.peerRouterPasswordsFile, (e as Error).message);
    }
  }
  if (o.peerRouterPasswords.length !== 0 && o.peerRouterPasswords.length !== o.peerRouterIps.length) {
    const flag = given.has('peer-router-passwords') ? 'peer-router-passwords' : 'peer-router-passwords-file';
    throw new UsageError(flag, undefined,
      `${o.peerRouterPasswords.length} passwords for ${o.peerRouterIps.length} peers; give none or one per peer`);
  }
  if (!o.enableIpv4 && !o.enableIpv6) {
    throw new UsageError('enable-ipv4', 'false', 'at least one of --enable-ipv4 and --enable-ipv6 must be true');
  }
  if (o.clusterState !== '' && (o.kubeconfig !== '' || o.master !== '')) {
    throw new UsageError('cluster-state', o.clusterState, 'cannot be combined with --kubeconfig or --master');
  }
}

/** The external peers from --peer-router-* (reference §1.4: global peers). */
export function externalPeersFromFlags(o: AgentOptions): ExternalPeerOption[] {
  return o.peerRouterIps.map((address, i) => {
    const password = o.peerRouterPasswords[i];
    return {
      address,
      asn: o.peerRouterAsns[i]!,
      port: o.peerRouterPorts[i] ?? DEFAULT_BGP_PORT,
      ...(password ? { password } : {}),
    };
  });
}

/** `kroute --help` text, generated from the flag table so it cannot drift. */
export function usageText(): string {
  const lines = ['Usage: kroute [flags]', '       kroute neighbor|rib|routes|tunnels|lab ...', '', 'Flags:'];
  for (const f of FLAGS) {
    const head = `${f.short && f.short !== f.name ? `-${f.short}, ` : '    '}--${f.name}${f.kind === 'bool' ? '' : ' value'}`;
    lines.push(`  ${head.padEnd(46)} ${f.help}`);
  }
  return lines.join('\n');
}
