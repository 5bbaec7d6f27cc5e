// Which BGP peers this node should have (reference §1.3–1.5): the iBGP mesh or route-reflector topology from Node
// objects, and external peers from the --peer-router-* flags or, when none are set, the node's annotations.
// The result is recomputed from the whole snapshot on every change, so annotation edits apply live (kube-router
// needs a restart: its issue #676) and peers come and go with nodes.
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { V1Node } from '../cluster/types.js';
import { Annotation, AnnotationError } from './annotations.js';
import { ipFamily, nodeAddresses, type IpFamily } from './node-identity.js';
import { DEFAULT_BGP_PORT, DEFAULT_CLUSTER_ASN, type ExternalPeerOption } from '../config/options.js';
import { isValidPeerAsn } from '../config/asn.js';

export type PeerFamily = 'ipv4-unicast' | 'ipv6-unicast';

export interface DesiredPeer {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly type: 'internal' | 'external';
  readonly localAddress?: string;
  readonly password?: string;
  /** eBGP multihop TTL (set only when > 1, as kube-router does). */
  readonly multihopTtl?: number;
  /** Seconds; external peers get --bgp-holdtime, iBGP peers the speaker default. */
  readonly holdTime?: number;
  readonly families: readonly PeerFamily[];
  /** We are a route reflector and this peer is our client (RFC 4456). */
  readonly routeReflectorClient?: boolean;
  /** Node name for iBGP peers, for logs and tunnels. */
  readonly node?: string;
}

export interface RouteReflectorRole {
  readonly role: 'server' | 'client' | 'none';
  /** Cluster ID as a dotted quad (RFC 4456 CLUSTER_ID), from a uint32 or an IPv4 annotation value. */
  readonly clusterId?: string;
}

export interface PeerIntentOptions {
  readonly clusterAsn: number;
  readonly nodesFullMesh: boolean;
  readonly enableIbgp: boolean;
  readonly bgpPort: number;
  readonly bgpHoldtimeMs: number;
  readonly peerRouterMultihopTtl: number;
  readonly enableIpv4: boolean;
  readonly enableIpv6: boolean;
  readonly externalPeers: readonly ExternalPeerOption[];
}

export interface PeerIntent {
  readonly localAsn: number;
  readonly routeReflector: RouteReflectorRole;
  readonly listenAddresses: readonly string[];
  readonly peers: readonly DesiredPeer[];
  /** Annotation problems: each is logged and skipped; nothing else is affected. */
  readonly problems: readonly AnnotationError[];
}

export class PeerIntentError extends Error {
  override readonly name = 'PeerIntentError';
}

const UINT32_MAX = 0xffffffff;

/** Go's strconv.ParseUint(s, 0, 32): decimal, 0x hex, 0o/leading-0 octal, 0b binary, underscores between digits. */
export function parseUintBase0(text: string): number | undefined {
  const s = text.trim();
  let digits = s;
  let base = 10;
  if (/^0[xX]/.test(s)) { base = 16; digits = s.slice(2); }
  else if (/^0[bB]/.test(s)) { base = 2; digits = s.slice(2); }
  else if (/^0[oO]/.test(s)) { base = 8; digits = s.slice(2); }
  else if (/^0\d/.test(s)) { base = 8; digits = s.slice(1); }
  digits = digits.replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  const n = parseInt(digits, base);
  return n <= UINT32_MAX ? n : undefined;
}

/** kube-router's cluster ID: a uint32 or an IPv4 address; returned as the dotted quad RFC 4456 carries. */
export function parseClusterId(text: string): string | undefined {
  const n = parseUintBase0(text);
  if (n !== undefined) return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  return isIP(text.trim()) === 4 ? text.trim() : undefined;
}

function annotations(node: V1Node): Record<string, string> {
  return node.metadata?.annotations ?? {};
}

/** The node's route-reflector role; rr.server is checked first. A bad cluster ID is an error (BGP does not start). */
export function routeReflectorRole(node: V1Node): RouteReflectorRole {
  const ann = annotations(node);
  for (const [key, role] of [[Annotation.RR_SERVER, 'server'], [Annotation.RR_CLIENT, 'client']] as const) {
    const v = ann[key];
    if (v === undefined) continue;
    const clusterId = parseClusterId(v);
    if (!clusterId) throw new AnnotationError(`node ${node.metadata?.name}`, key, `${JSON.stringify(v)} is not a uint32 or an IPv4 address`);
    return { role, clusterId };
  }
  return { role: 'none' };
}

function nodeAsn(node: V1Node): number | undefined {
  const v = annotations(node)[Annotation.NODE_ASN];
  return v === undefined ? undefined : parseUintBase0(v);
}

function nodeFamilies(node: V1Node): Set<IpFamily> {
  const a = nodeAddresses(node);
  const out = new Set<IpFamily>();
  if (a.bestIpv4) out.add(4);
  if (a.bestIpv6) out.add(6);
  return out;
}

function familiesFor(fams: ReadonlySet<IpFamily>, opts: PeerIntentOptions): PeerFamily[] {
  const out: PeerFamily[] = [];
  if (opts.enableIpv4 && fams.has(4)) out.push('ipv4-unicast');
  if (opts.enableIpv6 && fams.has(6)) out.push('ipv6-unicast');
  return out;
}

interface AnnotatedPeer {
  address: string;
  asn: number;
  port?: number;
  password?: string;
  localAddress?: string;
}

/** `kube-router.io/peers` (YAML) or the deprecated individual peer annotations (reference §1.4). */
export function peersFromAnnotations(node: V1Node): AnnotatedPeer[] {
  const ann = annotations(node);
  const where = `node ${node.metadata?.name}`;
  if (ann[Annotation.PEERS] !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(ann[Annotation.PEERS]!);
    } catch (e) {
      throw new AnnotationError(where, Annotation.PEERS, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!Array.isArray(doc)) throw new AnnotationError(where, Annotation.PEERS, 'must be a YAML list of peers');
    return doc.map((raw: unknown, i) => {
      const fail = (reason: string): never => { throw new AnnotationError(where, Annotation.PEERS, `peer ${i + 1}: ${reason}`); };
      if (typeof raw !== 'object' || raw === null) return fail('must be a mapping');
      const p = raw as Record<string, unknown>;
      const address = String(p['remoteip'] ?? '');
      if (isIP(address) === 0) fail(`remoteip ${JSON.stringify(p['remoteip'])} is not an IP address`);
      const asn = Number(p['remoteasn']);
      if (!Number.isInteger(asn) || !isValidPeerAsn(asn)) fail(`remoteasn ${JSON.stringify(p['remoteasn'])} is missing or reserved`);
      const out: AnnotatedPeer = { address, asn };
      if (p['port'] !== undefined) {
        const port = Number(p['port']);
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port ${JSON.stringify(p['port'])} is not a port`);
        out.port = port;
      }
      if (p['localip'] !== undefined && p['localip'] !== '') {
        if (isIP(String(p['localip'])) === 0) fail(`localip ${JSON.stringify(p['localip'])} is not an IP address`);
        out.localAddress = String(p['localip']);
      }
      if (p['password'] !== undefined && p['password'] !== '') {
        const pw = decodeB64(String(p['password']));
        if (pw === undefined) fail('password is not valid base64');
        out.password = pw!;
      }
      return out;
    });
  }
  const ips = ann[Annotation.PEER_IPS];
  const asns = ann[Annotation.PEER_ASNS];
  if (ips === undefined || asns === undefined) return [];
  const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()));
  const ipList = list(ips)!;
  const asnList = list(asns)!;
  if (ipList.length !== asnList.length) throw new AnnotationError(where, Annotation.PEER_ASNS, `${asnList.length} ASNs for ${ipList.length} peer IPs`);
  const perPeer = (key: string): string[] | undefined => {
    const l = list(ann[key]);
    if (l !== undefined && l.length !== ipList.length) throw new AnnotationError(where, key, `${l.length} entries for ${ipList.length} peer IPs; give none or one per peer`);
    return l;
  };
  const ports = perPeer(Annotation.PEER_PORTS);
  const passwords = perPeer(Annotation.PEER_PASSWORDS);
  const localIps = perPeer(Annotation.PEER_LOCAL_IPS);
  return ipList.map((address, i) => {
    if (isIP(address) === 0) throw new AnnotationError(where, Annotation.PEER_IPS, `${JSON.stringify(address)} is not an IP address`);
    const asn = parseUintBase0(asnList[i]!);
    if (asn === undefined || !isValidPeerAsn(asn)) throw new AnnotationError(where, Annotation.PEER_ASNS, `${JSON.stringify(asnList[i])} is not a valid peer ASN`);
    const out: AnnotatedPeer = { address, asn };
    if (ports) {
      const port = Number(ports[i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AnnotationError(where, Annotation.PEER_PORTS, `${JSON.stringify(ports[i])} is not a port`);
      out.port = port;
    }
    if (passwords && passwords[i] !== '') {
      const pw = decodeB64(passwords[i]!);
      if (pw === undefined) throw new AnnotationError(where, Annotation.PEER_PASSWORDS, `entry ${i + 1} is not valid base64`);
      out.password = pw;
    }
    if (localIps && localIps[i] !== '') {
      if (isIP(localIps[i]!) === 0) throw new AnnotationError(where, Annotation.PEER_LOCAL_IPS, `${JSON.stringify(localIps[i])} is not an IP address`);
      out.localAddress = localIps[i]!;
    }
    return out;
  });
}

function decodeB64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}

/** `kube-router.io/bgp-local-addresses`, else the best IPv4 and IPv6 node addresses. */
export function listenAddresses(node: V1Node): string[] {
  const v = annotations(node)[Annotation.BGP_LOCAL_ADDRESSES];
  if (v !== undefined && v.trim() !== '') {
    const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const a of list) {
      if (isIP(a) === 0) throw new AnnotationError(`node ${node.metadata?.name}`, Annotation.BGP_LOCAL_ADDRESSES, `${JSON.stringify(a)} is not an IP address`);
    }
    return list;
  }
  const a = nodeAddresses(node);
  return [a.bestIpv4, a.bestIpv6].filter((x): x is string => x !== undefined);
}

/** Computes this node's BGP peers from the snapshot's nodes. Throws PeerIntentError when BGP cannot start. */
export function desiredPeers(nodes: readonly V1Node[], self: V1Node, opts: PeerIntentOptions): PeerIntent {
  const problems: AnnotationError[] = [];
  const me = nodeAddresses(self);
  if (!me.primaryIp) throw new PeerIntentError(`node ${me.name} has no InternalIP or ExternalIP address`);
  const myFamily = ipFamily(me.primaryIp);

  let localAsn: number;
  if (opts.nodesFullMesh) {
    localAsn = opts.clusterAsn || DEFAULT_CLUSTER_ASN;
  } else {
    const asn = nodeAsn(self);
    if (asn === undefined) {
      throw new PeerIntentError(`node ${me.name}: annotation ${Annotation.NODE_ASN} is required with --nodes-full-mesh=false (missing or not a number)`);
    }
    localAsn = asn;
  }
  // A bad RR cluster ID on our own node stops BGP (kube-router Test_routeReflectorConfiguration).
  let rr: RouteReflectorRole;
  try {
    rr = routeReflectorRole(self);
  } catch (e) {
    throw new PeerIntentError((e as Error).message);
  }
  let listen: string[];
  try {
    listen = listenAddresses(self);
  } catch (e) {
    problems.push(e as AnnotationError);
    listen = [me.bestIpv4, me.bestIpv6].filter((x): x is string => x !== undefined);
  }

  const peers: DesiredPeer[] = [];
  if (opts.enableIbgp) {
    for (const node of nodes) {
      const them = nodeAddresses(node);
      if (!them.primaryIp || them.primaryIp === me.primaryIp || them.name === me.name) continue;
      let theirRole: RouteReflectorRole;
      try {
        theirRole = routeReflectorRole(node);
      } catch (e) {
        problems.push(e as AnnotationError);
        continue;
      }
      if (rr.role === 'client' && theirRole.role !== 'server') continue;
      if (!opts.nodesFullMesh && nodeAsn(node) !== localAsn) continue;
      if (ipFamily(them.primaryIp) !== myFamily) continue;
      const families = familiesFor(nodeFamilies(node), opts);
      peers.push({
        address: them.primaryIp,
        port: opts.bgpPort,
        asn: localAsn, // kube-router leaves 0 here by accident (reference §1.5); iBGP means our own AS
        type: 'internal',
        localAddress: me.primaryIp,
        families,
        node: them.name,
        ...(rr.role === 'server' && theirRole.role === 'client' ? { routeReflectorClient: true } : {}),
      });
    }
  }

  let external: AnnotatedPeer[];
  if (opts.externalPeers.length > 0) {
    external = opts.externalPeers.map((p) => ({ address: p.address, asn: p.asn, port: p.port, ...(p.password ? { password: p.password } : {}) }));
  } else {
    try {
      external = peersFromAnnotations(self);
    } catch (e) {
      problems.push(e as AnnotationError);
      external = [];
    }
  }
  const localFamilies = familiesFor(nodeFamilies(self), opts);
  for (const p of external) {
    const localAddress = p.localAddress ?? me.primaryIp;
    if (ipFamily(p.address) !== ipFamily(localAddress)) {
      problems.push(new AnnotationError(`node ${me.name}`, 'external peer', `peer ${p.address} and local address ${localAddress} differ in family; skipped`));
      continue;
    }
    peers.push({
      address: p.address,
      port: p.port ?? DEFAULT_BGP_PORT,
      asn: p.asn,
      type: p.asn === localAsn ? 'internal' : 'external',
      localAddress,
      ...(p.password ? { password: p.password } : {}),
      ...(opts.peerRouterMultihopTtl > 1 ? { multihopTtl: opts.peerRouterMultihopTtl } : {}),
      holdTime: Math.round(opts.bgpHoldtimeMs / 1000),
      families: localFamilies,
    });
  }
  return { localAsn, routeReflector: rr, listenAddresses: listen, peers, problems };
}
