// kube-router's BGP import and export policies (reference §1.6) for this node: its annotations are read here, the
// policy structure comes from @kroute/bgp's kubeRouterPolicies. Differences from kube-router, on purpose:
// - every set is recomputed each time (kube-router creates the pod CIDR, external peer and custom-reject sets once
//   and never updates them, so annotation edits needed a restart: its issue #676);
// - the pod CIDR statement towards iBGP peers uses the neighbour set of the family the iBGP sessions run over (the
//   node's primary IP family); kube-router always names the IPv4 set, which is empty on IPv6-only clusters.
import { COMMUNITY_NAMES, kubeRouterPolicies as buildKubeRouterPolicies, type PolicyConfig } from '@kroute/bgp';
import type { V1Node } from '../cluster/types.js';
import { Annotation, AnnotationError } from './annotations.js';
import { isCidr, type IpFamily } from './node-identity.js';

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

const UINT8_MAX = 0xff;
const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;

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

function customImportRejectOf(node: V1Node, problems: AnnotationError[]): string[] {
  const v = node.metadata?.annotations?.[Annotation.CUSTOM_IMPORT_REJECT];
  if (v === undefined) return [];
  const out: string[] = [];
  for (const c of v.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (isCidr(c)) out.push(c);
    else problems.push(new AnnotationError(`node ${node.metadata?.name}`, Annotation.CUSTOM_IMPORT_REJECT, `${JSON.stringify(c)} is not a CIDR; skipped`));
  }
  return out;
}

/**
 * Reads the node's policy annotations (reporting bad ones) and builds kube-router's policies with the library's
 * builder, so the structure lives in one place (@kroute/bgp kubeRouterPolicies).
 */
export function kubeRouterPolicies(inp: PolicyInputs): PolicyResult {
  const problems: AnnotationError[] = [];
  if (inp.routeReflectorServer) return { config: {}, problems };
  const node = exportActionsFromAnnotations(inp.self, problems);
  const customImportReject = customImportRejectOf(inp.self, problems);
  const config = buildKubeRouterPolicies({
    podCidrs: inp.podCidrs,
    serviceVips: inp.serviceVips,
    customImportReject,
    nodeIps: inp.nodeIps,
    externalPeers: inp.externalPeerIps,
    enableIbgp: inp.enableIbgp,
    advertisePodCidr: inp.advertisePodCidr,
    overrideNextHop: inp.overrideNexthop,
    ...(node.prepend ? { pathPrepend: node.prepend } : {}),
    communities: node.communities,
    ibgpSessionFamily: inp.primaryFamily,
  });
  return { config, problems };
}
