// kube-router's BGP import and export policies (reference §1.6), rebuilt as plain PolicyConfig data for kroute's
// policy engine from the node's current state. Differences from kube-router, on purpose:
// - every set is recomputed each time (kube-router creates the pod CIDR, external peer and custom-reject sets once
//   and never updates them, so annotation edits needed a restart: its issue #676);
// - the pod CIDR statement towards iBGP peers uses the neighbour set of the family the iBGP sessions run over (the
//   node's primary IP family); kube-router always names the IPv4 set, which is empty on IPv6-only clusters;
// - the policy is named kube_router_export / kube_router_import without the version suffix kube-router rotates
//   through (a GoBGP API workaround; kroute replaces policies atomically).
import { isIP } from 'node:net';
import { COMMUNITY_NAMES, type Actions, type PolicyConfig, type PrefixSetEntry, type Statement } from '@kroute/bgp';
import type { V1Node } from '../cluster/types.js';
import { Annotation, AnnotationError } from './annotations.js';
import { ipFamily, isCidr, type IpFamily } from './node-identity.js';

export const SetName = {
  POD_CIDR: 'podcidrdefinedset',
  POD_CIDR_V6: 'podcidrdefinedsetv6',
  SERVICE_VIPS: 'servicevipsdefinedset',
  SERVICE_VIPS_V6: 'servicevipsdefinedsetv6',
  DEFAULT_ROUTE: 'defaultroutedefinedset',
  DEFAULT_ROUTE_V6: 'defaultroutedefinedsetv6',
  CUSTOM_IMPORT_REJECT: 'customimportrejectdefinedset',
  CUSTOM_IMPORT_REJECT_V6: 'customimportrejectdefinedsetv6',
  IBGP_PEERS: 'iBGPpeerset',
  IBGP_PEERS_V6: 'iBGPpeersetv6',
  EXTERNAL_PEERS: 'externalpeerset',
  EXTERNAL_PEERS_V6: 'externalpeersetv6',
  ALL_PEERS: 'allpeerset',
  ALL_PEERS_V6: 'allpeersetv6',
} as const;

export const EXPORT_POLICY = 'kube_router_export';
export const IMPORT_POLICY = 'kube_router_import';

export interface PolicyInputs {
  readonly self: V1Node;
  /** Primary IP family of this node: the family iBGP sessions use. */
  readonly primaryFamily: IpFamily;
  readonly podCidrs: readonly string[];
  /** VIPs this node advertises, as host prefixes. */
  readonly serviceVips: readonly string[];
  /** Primary IPs of every node, including this one (kube-router includes self). */
  readonly nodeIps: readonly string[];
  readonly externalPeerIps: readonly string[];
  readonly enableIbgp: boolean;
  readonly advertisePodCidr: boolean;
  readonly overrideNexthop: boolean;
  readonly routeReflectorServer: boolean;
}

export interface PolicyResult {
  readonly config: PolicyConfig;
  readonly problems: readonly AnnotationError[];
}

const HOST_LEN: Record<IpFamily, number> = { 4: 32, 6: 128 };
const UINT8_MAX = 0xff;
const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;

function exact(prefix: string): PrefixSetEntry {
  const len = Number(prefix.split('/')[1]);
  return { prefix, masklenMin: len, masklenMax: len };
}

function hostPrefix(ip: string): string {
  return ip.includes('/') ? ip : `${ip}/${HOST_LEN[ipFamily(ip)]}`;
}

const byFamily = <T extends string>(items: readonly T[], fam: IpFamily) => items.filter((i) => ipFamily(i) === fam);

/** bgp.ValidateCommunity: a 32-bit integer, "a:b" with 16-bit parts, or a well-known community name. */
export function isValidCommunity(text: string): boolean {
  if (/^\d+$/.test(text)) return Number(text) <= UINT32_MAX;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m) return Number(m[1]) <= UINT16_MAX && Number(m[2]) <= UINT16_MAX;
  return text in COMMUNITY_NAMES;
}

interface NodeExportActions {
  prepend?: { asn: number; repeat: number };
  communities: string[];
}

function exportActionsFromAnnotations(node: V1Node, problems: AnnotationError[]): NodeExportActions {
  const ann = node.metadata?.annotations ?? {};
  const where = `node ${node.metadata?.name}`;
  const out: NodeExportActions = { communities: [] };
  const asText = ann[Annotation.PATH_PREPEND_AS];
  const repeatText = ann[Annotation.PATH_PREPEND_REPEAT_N];
  if (asText !== undefined || repeatText !== undefined) {
    if (asText === undefined || repeatText === undefined) {
      problems.push(new AnnotationError(where, asText === undefined ? Annotation.PATH_PREPEND_AS : Annotation.PATH_PREPEND_REPEAT_N,
        `both ${Annotation.PATH_PREPEND_AS} and ${Annotation.PATH_PREPEND_REPEAT_N} must be set; no prepend applied`));
    } else if (!/^\d+$/.test(asText) || Number(asText) > UINT32_MAX || Number(asText) === 0) {
      problems.push(new AnnotationError(where, Annotation.PATH_PREPEND_AS, `${JSON.stringify(asText)} is not an ASN`));
    } else if (!/^\d+$/.test(repeatText) || Number(repeatText) > UINT8_MAX || Number(repeatText) === 0) {
      problems.push(new AnnotationError(where, Annotation.PATH_PREPEND_REPEAT_N, `${JSON.stringify(repeatText)} must be 1-255`));
    } else {
      out.prepend = { asn: Number(asText), repeat: Number(repeatText) };
    }
  }
  const comm = ann[Annotation.NODE_COMMUNITIES];
  if (comm !== undefined) {
    for (const c of comm.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      if (isValidCommunity(c)) out.communities.push(c);
      else problems.push(new AnnotationError(where, Annotation.NODE_COMMUNITIES, `${JSON.stringify(c)} is not a community; skipped`));
    }
  }
  return out;
}

function customImportReject(node: V1Node, problems: AnnotationError[]): string[] {
  const v = node.metadata?.annotations?.[Annotation.CUSTOM_IMPORT_REJECT];
  if (v === undefined) return [];
  const out: string[] = [];
  for (const c of v.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (isCidr(c)) out.push(c);
    else problems.push(new AnnotationError(`node ${node.metadata?.name}`, Annotation.CUSTOM_IMPORT_REJECT, `${JSON.stringify(c)} is not a CIDR; skipped`));
  }
  return out;
}

export function kubeRouterPolicies(inp: PolicyInputs): PolicyResult {
  const problems: AnnotationError[] = [];
  // RR servers run with no policy at all: everything is accepted and reflected (reference §1.6).
  if (inp.routeReflectorServer) return { config: {}, problems };

  const prefixSets: Record<string, PrefixSetEntry[]> = {};
  const neighborSets: Record<string, string[]> = {};
  const put = <T>(target: Record<string, T[]>, name: string, items: T[]) => { if (items.length > 0) target[name] = items; };

  put(prefixSets, SetName.POD_CIDR, byFamily(inp.podCidrs, 4).map(exact));
  put(prefixSets, SetName.POD_CIDR_V6, byFamily(inp.podCidrs, 6).map(exact));
  put(prefixSets, SetName.SERVICE_VIPS, byFamily(inp.serviceVips.map(hostPrefix), 4).map(exact));
  put(prefixSets, SetName.SERVICE_VIPS_V6, byFamily(inp.serviceVips.map(hostPrefix), 6).map(exact));
  prefixSets[SetName.DEFAULT_ROUTE] = [{ prefix: '0.0.0.0/0', masklenMin: 0, masklenMax: 0 }];
  prefixSets[SetName.DEFAULT_ROUTE_V6] = [{ prefix: '::/0', masklenMin: 0, masklenMax: 0 }];
  const reject = customImportReject(inp.self, problems);
  const orLonger = (c: string): PrefixSetEntry => ({ prefix: c, masklenMin: Number(c.split('/')[1]), masklenMax: HOST_LEN[ipFamily(c)] });
  put(prefixSets, SetName.CUSTOM_IMPORT_REJECT, byFamily(reject, 4).map(orLonger));
  put(prefixSets, SetName.CUSTOM_IMPORT_REJECT_V6, byFamily(reject, 6).map(orLonger));

  const ibgp = inp.enableIbgp ? [...new Set(inp.nodeIps)].map(hostPrefix) : [];
  const external = [...new Set(inp.externalPeerIps)].map(hostPrefix);
  put(neighborSets, SetName.IBGP_PEERS, byFamily(ibgp, 4));
  put(neighborSets, SetName.IBGP_PEERS_V6, byFamily(ibgp, 6));
  put(neighborSets, SetName.EXTERNAL_PEERS, byFamily(external, 4));
  put(neighborSets, SetName.EXTERNAL_PEERS_V6, byFamily(external, 6));
  const all = [...external, ...ibgp.filter((p) => !external.includes(p))];
  put(neighborSets, SetName.ALL_PEERS, byFamily(all, 4));
  put(neighborSets, SetName.ALL_PEERS_V6, byFamily(all, 6));

  // Empty sets are never referenced: a match on an empty set would match everything (reference §1.6).
  const has = (name: string) => name in prefixSets || name in neighborSets;
  const podSets = [SetName.POD_CIDR, SetName.POD_CIDR_V6].filter(has);
  const vipSets = [SetName.SERVICE_VIPS, SetName.SERVICE_VIPS_V6].filter(has);
  const extSets = [SetName.EXTERNAL_PEERS, SetName.EXTERNAL_PEERS_V6].filter(has);
  const allSets = [SetName.ALL_PEERS, SetName.ALL_PEERS_V6].filter(has);

  const exportStatements: Statement[] = [];
  const ibgpSet = inp.primaryFamily === 4 ? SetName.IBGP_PEERS : SetName.IBGP_PEERS_V6;
  if (inp.enableIbgp && has(ibgpSet)) {
    for (const pod of podSets) {
      exportStatements.push({
        name: `${pod}${ibgpSet}`,
        conditions: { prefixSet: { name: pod, match: 'any' }, neighborSet: { name: ibgpSet, match: 'any' } },
        actions: { route: 'accept' },
      });
    }
  }
  if (extSets.length > 0) {
    const node = exportActionsFromAnnotations(inp.self, problems);
    const actions: Actions = {
      route: 'accept',
      ...(node.prepend ? { asPrepend: node.prepend } : {}),
      ...(node.communities.length > 0 ? { community: { operation: 'add', communities: node.communities } } : {}),
      ...(inp.overrideNexthop ? { nextHop: 'self' } : {}),
    };
    for (const peers of extSets) {
      for (const vips of vipSets) {
        exportStatements.push({ name: `${vips}${peers}`, conditions: { prefixSet: { name: vips, match: 'any' }, neighborSet: { name: peers, match: 'any' } }, actions });
      }
      if (inp.advertisePodCidr) {
        for (const pod of podSets) {
          exportStatements.push({ name: `${pod}${peers}`, conditions: { prefixSet: { name: pod, match: 'any' }, neighborSet: { name: peers, match: 'any' } }, actions });
        }
      }
    }
  }

  const importStatements: Statement[] = [];
  const rejectSets = [...vipSets, SetName.DEFAULT_ROUTE, SetName.DEFAULT_ROUTE_V6,
    ...[SetName.CUSTOM_IMPORT_REJECT, SetName.CUSTOM_IMPORT_REJECT_V6].filter(has)];
  for (const peers of allSets) {
    for (const set of rejectSets) {
      importStatements.push({ name: `${set}${peers}`, conditions: { prefixSet: { name: set, match: 'any' }, neighborSet: { name: peers, match: 'any' } }, actions: { route: 'reject' } });
    }
  }

  return {
    problems,
    config: {
      definedSets: { prefixSets, neighborSets },
      policies: [{ name: EXPORT_POLICY, statements: exportStatements }, { name: IMPORT_POLICY, statements: importStatements }],
      export: { policies: [EXPORT_POLICY], defaultAction: 'reject' },
      import: { policies: [IMPORT_POLICY], defaultAction: 'accept' },
    },
  };
}

export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}
