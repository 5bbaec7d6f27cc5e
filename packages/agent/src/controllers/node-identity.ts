// Who a node is on the network: its primary IP, its best address per family, its pod CIDRs and the router ID
// (kube-router pkg/utils/node.go, pkg/utils/pod_cidr.go, pkg/bgp/id.go; reference §1.2).
import { isIP } from 'node:net';
import type { V1Node } from '../cluster/types.js';
import { Annotation, AnnotationError } from './annotations.js';

export type IpFamily = 4 | 6;

export interface NodeAddresses {
  readonly name: string;
  /** First InternalIP, else first ExternalIP. */
  readonly primaryIp: string | undefined;
  /** Best address of each family: the primary if it matches, else first internal, then first external. */
  readonly bestIpv4: string | undefined;
  readonly bestIpv6: string | undefined;
}

function addressesOfType(node: V1Node, type: string): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === type && isIP(a.address) !== 0).map((a) => a.address);
}

export function nodeAddresses(node: V1Node): NodeAddresses {
  const internal = addressesOfType(node, 'InternalIP');
  const external = addressesOfType(node, 'ExternalIP');
  const primaryIp = internal[0] ?? external[0];
  const best = (family: IpFamily): string | undefined => {
    if (primaryIp !== undefined && isIP(primaryIp) === family) return primaryIp;
    return internal.find((a) => isIP(a) === family) ?? external.find((a) => isIP(a) === family);
  };
  return { name: node.metadata?.name ?? '', primaryIp, bestIpv4: best(4), bestIpv6: best(6) };
}

export function bestIp(addrs: NodeAddresses, family: IpFamily): string | undefined {
  return family === 4 ? addrs.bestIpv4 : addrs.bestIpv6;
}

export function ipFamily(address: string): IpFamily {
  return isIP(address.split('/')[0]!) === 6 ? 6 : 4;
}

/**
 * The node's own pod CIDRs by family (setupHandlers → GetPodCIDRsFromNodeSpecDualStack): the
 * `kube-router.io/pod-cidrs` annotation (comma list) when present, else spec.podCIDRs, else spec.podCIDR, else the
 * deprecated single `kube-router.io/pod-cidr`.
 */
export function nodePodCidrs(node: V1Node): { v4: string[]; v6: string[] } {
  const name = node.metadata?.name ?? '';
  const ann = node.metadata?.annotations ?? {};
  let list: string[];
  const multi = ann[Annotation.POD_CIDRS];
  if (multi !== undefined && multi.trim() !== '') {
    list = multi.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const c of list) {
      if (!isCidr(c)) throw new AnnotationError(`node ${name}`, Annotation.POD_CIDRS, `${JSON.stringify(c)} is not a CIDR`);
    }
  } else if (node.spec?.podCIDRs && node.spec.podCIDRs.length > 0) {
    list = [...node.spec.podCIDRs];
  } else if (node.spec?.podCIDR) {
    list = [node.spec.podCIDR];
  } else if (ann[Annotation.POD_CIDR]) {
    const c = ann[Annotation.POD_CIDR]!.trim();
    if (!isCidr(c)) throw new AnnotationError(`node ${name}`, Annotation.POD_CIDR, `${JSON.stringify(c)} is not a CIDR`);
    list = [c];
  } else {
    list = [];
  }
  return { v4: list.filter((c) => ipFamily(c) === 4), v6: list.filter((c) => ipFamily(c) === 6) };
}

export function isCidr(text: string): boolean {
  const [addr, len, more] = text.split('/');
  const fam = isIP(addr ?? '');
  return fam !== 0 && more === undefined && len !== undefined && /^\d+$/.test(len) && Number(len) <= (fam === 4 ? 32 : 128);
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a, 32 bits (Go's hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array): number {
  let h = FNV32_OFFSET;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** Go's 16-byte net.IP form: IPv4 as ::ffff:a.b.c.d. */
export function ipTo16Bytes(address: string): Uint8Array {
  const out = new Uint8Array(16);
  if (isIP(address) === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    address.split('.').forEach((p, i) => { out[12 + i] = Number(p); });
    return out;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':') : []).flatMap((g) => {
    if (g.includes('.')) {
      const o = g.split('.').map(Number);
      return [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    }
    return [parseInt(g, 16)];
  });
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

export class RouterIdError extends Error {
  override readonly name = 'RouterIdError';
}

/** reference §1.2 GenerateRouterID: "generate" hashes the primary IP; empty uses it (IPv4 only). */
export function routerIdFor(option: string, primaryIp: string | undefined): string {
  if (option === 'generate') {
    if (!primaryIp) throw new RouterIdError('cannot generate a router ID: the node has no IP address');
    const h = fnv32a(ipTo16Bytes(primaryIp));
    return [h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff].join('.');
  }
  if (option !== '') return option;
  if (!primaryIp) throw new RouterIdError('cannot choose a router ID: the node has no IP address');
  if (isIP(primaryIp) !== 4) {
    throw new RouterIdError(`the primary node IP ${primaryIp} is IPv6: set --router-id to an IPv4 address or "generate"`);
  }
  return primaryIp;
}
