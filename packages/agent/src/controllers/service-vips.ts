// Which service IPs this node advertises (reference §1.7–1.8), with kroute's fixes:
// - locality counts only ready endpoints (kube-router ignores readiness);
// - a service without EndpointSlices affects only itself (kube-router issue #1917 stops every advertisement).
// The result is a set, recomputed from the whole snapshot, so a VIP shared by two services stays until the last goes.
import type { ClusterSnapshot, V1EndpointSlice, V1Service } from '../cluster/types.js';
import { Annotation } from './annotations.js';
import { ipFamily, type IpFamily } from './node-identity.js';
import { cidrContains } from './cidr.js';

export type VipKind = 'cluster-ip' | 'external-ip' | 'load-balancer-ip';

export interface VipAdvertiseOptions {
  readonly advertiseClusterIp: boolean;
  readonly advertiseExternalIp: boolean;
  readonly advertiseLoadbalancerIp: boolean;
  readonly strictExternalIpValidation: boolean;
  readonly serviceClusterIpRange: readonly string[];
  readonly serviceExternalIpRange: readonly string[];
  readonly loadbalancerIpRange: readonly string[];
}

export interface NodeContext {
  readonly name: string;
  /** All of this node's IPs (for endpoints without nodeName). */
  readonly ips: readonly string[];
  /** Families this node advertises: enabled and with a node address. */
  readonly families: ReadonlySet<IpFamily>;
}

export interface DesiredVip {
  /** The host prefix: a.b.c.d/32 or x::y/128. */
  readonly prefix: string;
  readonly address: string;
  readonly family: IpFamily;
  readonly kinds: ReadonlySet<VipKind>;
  /** "namespace/name" of every service that wants it. */
  readonly services: readonly string[];
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const ADVERTISED_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer']);

/** strconv.ParseBool semantics; kube-router treats an unparsable value as false. */
function annotationBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

export function serviceKey(svc: V1Service): string {
  return `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
}

function isHeadless(svc: V1Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * svcip.Validator.FilterExternalIPs: in strict mode an IP must be inside one of `ranges` and outside the service
 * cluster range; with no ranges configured, every IP is refused.
 */
export function filterByRange(ips: readonly string[], ranges: readonly string[], clusterRanges: readonly string[], strict: boolean): string[] {
  if (!strict) return [...ips];
  return ips.filter((ip) => ranges.some((r) => cidrContains(r, ip)) && !clusterRanges.some((r) => cidrContains(r, ip)));
}

function slicesByService(slices: readonly V1EndpointSlice[]): Map<string, V1EndpointSlice[]> {
  const out = new Map<string, V1EndpointSlice[]>();
  for (const s of slices) {
    const svcName = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${svcName}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/**
 * Does this node have a ready endpoint of the service? An endpoint is local when its nodeName is this node, or
 * (no nodeName) one of its addresses is a node IP. Ready means conditions.ready is not false: Kubernetes documents a
 * missing value as "unknown, treat as ready".
 */
export function nodeHasReadyEndpoint(slices: readonly V1EndpointSlice[] | undefined, node: NodeContext): boolean {
  for (const s of slices ?? []) {
    for (const ep of s.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      if (ep.nodeName !== undefined && ep.nodeName !== null) {
        if (ep.nodeName === node.name) return true;
      } else if (ep.addresses.some((a) => node.ips.includes(a))) {
        return true;
      }
    }
  }
  return false;
}

interface Wanted {
  kinds: Set<VipKind>;
  services: Set<string>;
}

/** Every VIP this node should advertise now, keyed by prefix. */
export function desiredServiceVips(snapshot: ClusterSnapshot, node: NodeContext, opts: VipAdvertiseOptions): Map<string, DesiredVip> {
  const slices = slicesByService(snapshot.endpointSlices);
  const wanted = new Map<string, Wanted>();
  const want = (ip: string, kind: VipKind, svc: string) => {
    const fam = ipFamily(ip);
    if (!node.families.has(fam)) return;
    const w = wanted.get(ip) ?? { kinds: new Set<VipKind>(), services: new Set<string>() };
    w.kinds.add(kind);
    w.services.add(svc);
    wanted.set(ip, w);
  };

  for (const svc of snapshot.services) {
    const type = svc.spec?.type ?? 'ClusterIP';
    if (!ADVERTISED_TYPES.has(type) || isHeadless(svc)) continue;
    const key = serviceKey(svc);
    const ann = svc.metadata?.annotations ?? {};
    const local = () => nodeHasReadyEndpoint(slices.get(key), node);

    if (annotationBool(ann[Annotation.SERVICE_ADVERTISE_CLUSTER_IP], opts.advertiseClusterIp)) {
      const itpLocal = svc.spec?.internalTrafficPolicy === 'Local';
      if (!itpLocal || local()) {
        const ips = new Set([...(svc.spec?.clusterIPs ?? []), ...(svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])]);
        for (const ip of ips) if (ip !== 'None' && ip !== '') want(ip, 'cluster-ip', key);
      }
    }

    // service.local scopes external and LB IPs only (kube-router commit 44439d60).
    const externalLocal = svc.spec?.externalTrafficPolicy === 'Local' || ann[Annotation.SERVICE_LOCAL] === 'true';
    if (externalLocal && !local()) continue;

    if (annotationBool(ann[Annotation.SERVICE_ADVERTISE_EXTERNAL_IP], opts.advertiseExternalIp)) {
      const ips = filterByRange(svc.spec?.externalIPs ?? [], opts.serviceExternalIpRange, opts.serviceClusterIpRange, opts.strictExternalIpValidation);
      for (const ip of ips) want(ip, 'external-ip', key);
    }
    if (type === 'LoadBalancer' && !(Annotation.SERVICE_SKIP_LB_IPS in ann) &&
        annotationBool(ann[Annotation.SERVICE_ADVERTISE_LOADBALANCER_IP], opts.advertiseLoadbalancerIp)) {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && i.ipMode !== 'Proxy').map((i) => i.ip!);
      const ips = filterByRange(ingress, opts.loadbalancerIpRange, opts.serviceClusterIpRange, opts.strictExternalIpValidation);
      for (const ip of ips) want(ip, 'load-balancer-ip', key);
    }
  }

  const out = new Map<string, DesiredVip>();
  for (const [ip, w] of wanted) {
    const family = ipFamily(ip);
    const prefix = `${ip}/${family === 4 ? 32 : 128}`;
    out.set(prefix, { prefix, address: ip, family, kinds: w.kinds, services: [...w.services].sort() });
  }
  return out;
}
