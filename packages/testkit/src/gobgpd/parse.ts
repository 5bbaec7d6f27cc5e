/**
 * Parsers for `gobgp -j` output (gobgp 3.x). Pure functions of the JSON text, so they are unit-testable against
 * recorded output. Unknown fields are ignored; each result keeps the raw object for anything not modelled.
 */

/** BGP FSM states (RFC 4271 §8.2.2), lower-cased; `unknown` when gobgp reports none. */
export type BgpState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established' | 'unknown';

type Json = Record<string, unknown>;

/** A neighbor as `gobgp neighbor -j` reports it. Times in seconds. */
export interface GobgpNeighbor {
  address: string;
  asn: number;
  localAsn: number | undefined;
  state: BgpState;
  /** The peer's BGP identifier, once an OPEN was received. */
  routerId: string | undefined;
  localAddress: string | undefined;
  /** The port gobgpd connects to, when not 179. */
  remotePort: number | undefined;
  passive: boolean;
  /** The configured TCP-MD5 key, if any. */
  password: string | undefined;
  /** Families configured for the session, e.g. `ipv4-unicast`. */
  families: string[];
  holdTime: number | undefined;
  negotiatedHoldTime: number | undefined;
  keepalive: number | undefined;
  connectRetry: number | undefined;
  ebgpMultihopTtl: number | undefined;
  /** GTSM minimum TTL, when ttl-security is on. */
  ttlMin: number | undefined;
  gracefulRestart: { restartTime: number; deferralTime: number | undefined; longLived: boolean } | undefined;
  routeReflectorClient: boolean;
  clusterId: string | undefined;
  /** Prefixes received and accepted, over all families. */
  received: number;
  accepted: number;
  raw: Json;
}

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

/** One path of a RIB entry. Communities are `"asn:value"`, large communities `"a:b:c"`. */
export interface GobgpRoute {
  prefix: string;
  nextHop: string | undefined;
  /** Every AS number of the AS_PATH, in order, segments flattened. */
  asPath: number[];
  asPathSegments: Array<{ type: AsPathSegmentType; asns: number[] }>;
  origin: 'igp' | 'egp' | 'incomplete' | undefined;
  med: number | undefined;
  localPref: number | undefined;
  communities: string[];
  largeCommunities: string[];
  originatorId: string | undefined;
  clusterList: string[];
  best: boolean;
  stale: boolean;
  /** The neighbor it was learned from; undefined for locally originated paths. */
  neighbor: string | undefined;
  /** When gobgpd received or originated it. */
  since: Date | undefined;
  /** Path attribute type codes present (RFC 4271 §5 and registry). */
  attributeTypes: number[];
  raw: Json;
}

/** Path attribute type codes (IANA "BGP Path Attributes"). */
const ATTR = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  LARGE_COMMUNITY: 32,
} as const;

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;
/** AS_PATH segment types: RFC 4271 §4.3 (1, 2) and RFC 5065 §3 (3, 4). */
const SEGMENT_TYPES: Record<number, AsPathSegmentType> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };
/** gobgp's api.PeerState.SessionState enum. */
const SESSION_STATES: Record<number, BgpState> = {
  0: 'unknown',
  1: 'idle',
  2: 'connect',
  3: 'active',
  4: 'opensent',
  5: 'openconfirm',
  6: 'established',
};
const AFI_NAMES: Record<number, string> = { 1: 'ipv4', 2: 'ipv6', 25: 'l2vpn' };
const SAFI_NAMES: Record<number, string> = { 1: 'unicast', 2: 'multicast', 70: 'evpn', 128: 'l3vpn' };

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function at(v: unknown, ...path: string[]): unknown {
  let cur: unknown = v;
  for (const key of path) cur = obj(cur)[key];
  return cur;
}

/** Normalises gobgp's state (enum number, or a name like `BGP_FSM_ESTABLISHED` / `ESTABLISHED`). */
export function normaliseState(v: unknown): BgpState {
  if (typeof v === 'number') return SESSION_STATES[v] ?? 'unknown';
  if (typeof v === 'string') {
    const name = v.toLowerCase().replace(/^bgp_fsm_/, '');
    if (Object.values(SESSION_STATES).includes(name as BgpState)) return name as BgpState;
  }
  return 'unknown';
}

function familyName(f: unknown): string {
  const afi = num(at(f, 'afi')) ?? 0;
  const safi = num(at(f, 'safi')) ?? 0;
  return `${AFI_NAMES[afi] ?? `afi${afi}`}-${SAFI_NAMES[safi] ?? `safi${safi}`}`;
}

function parseNeighbor(p: Json): GobgpNeighbor {
  const conf = obj(p.conf);
  const state = obj(p.state);
  const timers = obj(p.timers);
  const transport = obj(p.transport);
  const gr = obj(p.graceful_restart);
  const rr = obj(p.route_reflector);
  const afiSafis = arr(p.afi_safis).map(obj);
  const sum = (key: string): number => afiSafis.reduce((n, a) => n + (num(at(a, 'state', key)) ?? 0), 0);
  return {
    address: str(conf.neighbor_address) ?? str(state.neighbor_address) ?? '',
    asn: num(conf.peer_asn) ?? num(state.peer_asn) ?? 0,
    localAsn: num(conf.local_asn),
    state: normaliseState(state.session_state),
    routerId: str(state.router_id),
    localAddress: str(transport.local_address),
    remotePort: num(transport.remote_port),
    passive: transport.passive_mode === true,
    password: str(conf.auth_password),
    families: afiSafis.map((a) => familyName(at(a, 'config', 'family'))),
    holdTime: num(at(timers, 'config', 'hold_time')),
    negotiatedHoldTime: num(at(timers, 'state', 'negotiated_hold_time')),
    keepalive: num(at(timers, 'config', 'keepalive_interval')),
    connectRetry: num(at(timers, 'config', 'connect_retry')),
    ebgpMultihopTtl: at(p, 'ebgp_multihop', 'enabled') === true ? num(at(p, 'ebgp_multihop', 'multihop_ttl')) : undefined,
    ttlMin: at(p, 'ttl_security', 'enabled') === true ? num(at(p, 'ttl_security', 'ttl_min')) : undefined,
    gracefulRestart:
      gr.enabled === true
        ? { restartTime: num(gr.restart_time) ?? 0, deferralTime: num(gr.deferral_time), longLived: gr.longlived_enabled === true }
        : undefined,
    routeReflectorClient: rr.route_reflector_client === true,
    clusterId: str(rr.route_reflector_cluster_id),
    received: sum('received'),
    accepted: sum('accepted'),
    raw: p,
  };
}

/** Parses `gobgp neighbor -j`. */
export function parseNeighbors(text: string): GobgpNeighbor[] {
  const parsed: unknown = JSON.parse(text.trim() || '[]');
  return arr(parsed).map((p) => parseNeighbor(obj(p)));
}

function formatCommunity(c: number): string {
  // RFC 1997: the high 16 bits are an AS number, the low 16 bits a value.
  return `${Math.floor(c / 0x10000)}:${c % 0x10000}`;
}

function parsePath(prefix: string, path: Json): GobgpRoute {
  const route: GobgpRoute = {
    prefix: str(at(path, 'nlri', 'prefix')) ?? prefix,
    nextHop: undefined,
    asPath: [],
    asPathSegments: [],
    origin: undefined,
    med: undefined,
    localPref: undefined,
    communities: [],
    largeCommunities: [],
    originatorId: undefined,
    clusterList: [],
    best: path.best === true,
    stale: path.stale === true,
    neighbor: str(path['neighbor-ip']),
    since: num(path.age) === undefined ? undefined : new Date((num(path.age) ?? 0) * 1000),
    attributeTypes: [],
    raw: path,
  };
  for (const a of arr(path.attrs).map(obj)) {
    const type = num(a.type);
    if (type === undefined) continue;
    route.attributeTypes.push(type);
    switch (type) {
      case ATTR.ORIGIN:
        route.origin = ORIGINS[num(a.value) ?? -1];
        break;
      case ATTR.AS_PATH:
        for (const seg of arr(a.as_paths).map(obj)) {
          const asns = arr(seg.asns).filter((n): n is number => typeof n === 'number');
          route.asPathSegments.push({ type: SEGMENT_TYPES[num(seg.segment_type) ?? 2] ?? 'sequence', asns });
          route.asPath.push(...asns);
        }
        break;
      case ATTR.NEXT_HOP:
      case ATTR.MP_REACH_NLRI:
        route.nextHop = str(a.nexthop) ?? route.nextHop;
        break;
      case ATTR.MULTI_EXIT_DISC:
        route.med = num(a.metric);
        break;
      case ATTR.LOCAL_PREF:
        route.localPref = num(a.value);
        break;
      case ATTR.COMMUNITIES:
        route.communities = arr(a.communities).filter((c): c is number => typeof c === 'number').map(formatCommunity);
        break;
      case ATTR.ORIGINATOR_ID:
        route.originatorId = str(a.value);
        break;
      case ATTR.CLUSTER_LIST:
        route.clusterList = arr(a.value).filter((c): c is string => typeof c === 'string');
        break;
      case ATTR.LARGE_COMMUNITY:
        route.largeCommunities = arr(a.value)
          .map(obj)
          .map((l) => `${num(l.ASN) ?? 0}:${num(l.LocalData1) ?? 0}:${num(l.LocalData2) ?? 0}`);
        break;
      default:
        break;
    }
  }
  return route;
}

/** Parses `gobgp global rib -j` and `gobgp neighbor ADDR adj-in -j`: an object from prefix to paths. */
export function parseRib(text: string): GobgpRoute[] {
  const parsed = obj(JSON.parse(text.trim() || '{}'));
  const routes: GobgpRoute[] = [];
  for (const [prefix, paths] of Object.entries(parsed)) {
    for (const p of arr(paths)) routes.push(parsePath(prefix, obj(p)));
  }
  return routes;
}
