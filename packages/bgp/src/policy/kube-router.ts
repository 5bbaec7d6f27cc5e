// kube-router's BGP policies (pkg/controllers/routing/bgp_policies.go, AddPolicies), rebuilt as a PolicyConfig with
// the same defined-set, statement and default-action structure (reference/kube-router.md §1.6). The agent calls
// this on every change and hands the result to Rib.setPolicy, which re-evaluates and re-sends only differences.
import { isIPv4 } from 'node:net';
import { keyLength, parsePrefix } from '../rib/prefix.js';
import type { PrefixSetEntry, PolicyConfig, Statement, Actions } from './types.js';

export interface KubeRouterPolicyInput {
  /** This node's pod CIDRs (both families). */
  readonly podCidrs: readonly string[];
  /** Every VIP this node advertises now (host addresses or /32, /128 prefixes). */
  readonly serviceVips: readonly string[];
  /** kube-router.io/node.bgp.customimportreject CIDRs. */
  readonly customImportReject?: readonly string[];
  /** Primary IPs of every node, this one included (only used with enableIbgp). */
  readonly nodeIps: readonly string[];
  /** Global (--peer-router-ips) or node-annotation external peer addresses. */
  readonly externalPeers: readonly string[];
  readonly enableIbgp: boolean;
  readonly advertisePodCidr: boolean;
  /** --override-nexthop */
  readonly overrideNextHop: boolean;
  /** kube-router.io/path-prepend.as / .repeat-n */
  readonly pathPrepend?: { readonly asn: number; readonly repeat: number };
  /** kube-router.io/node.bgp.communities, already validated. */
  readonly communities?: readonly string[];
  /** kube-router.io/rr.server nodes get no policies at all (GoBGP default accept). */
  readonly routeReflectorServer?: boolean;
  /** The N in kube_router_export<N> / kube_router_import<N> (kube-router bumps it when statements change). */
  readonly generation?: number;
  /**
   * The family the iBGP sessions run over (the node's primary IP family). kube-router always names the IPv4 iBGP set,
   * which is empty on IPv6-only clusters, so no pod CIDR is exported there; kroute names the set of this family.
   * Default 4, as kube-router.
   */
  readonly ibgpSessionFamily?: 4 | 6;
}

const V4_BITS = 32;
const V6_BITS = 128;

function exact(cidr: string): PrefixSetEntry {
  const len = keyLength(parsePrefix(cidr));
  return { prefix: cidr, masklenMin: len, masklenMax: len };
}

function host(ip: string): string {
  return ip.includes('/') ? ip : `${ip}/${isIPv4(ip) ? V4_BITS : V6_BITS}`;
}

const isV4 = (cidr: string): boolean => isIPv4(cidr.split('/')[0]!);

export function kubeRouterPolicies(input: KubeRouterPolicyInput): PolicyConfig {
  if (input.routeReflectorServer) return {};
  const n = input.generation ?? 1;
  const split = (xs: readonly string[]) => [xs.filter(isV4), xs.filter((x) => !isV4(x))] as const;
  const [pod4, pod6] = split(input.podCidrs);
  const [vip4, vip6] = split(input.serviceVips.map(host));
  const [rej4, rej6] = split(input.customImportReject ?? []);
  const [ext4, ext6] = split(input.externalPeers.map(host));
  const [ibgp4, ibgp6] = split(input.enableIbgp ? input.nodeIps.map(host) : []);
  const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
  const prefixSets: Record<string, PrefixSetEntry[]> = {
    podcidrdefinedset: pod4.map(exact),
    podcidrdefinedsetv6: pod6.map(exact),
    servicevipsdefinedset: vip4.map(exact),
    servicevipsdefinedsetv6: vip6.map(exact),
    defaultroutedefinedset: [{ prefix: '0.0.0.0/0', masklenMin: 0, masklenMax: 0 }],
    defaultroutedefinedsetv6: [{ prefix: '::/0', masklenMin: 0, masklenMax: 0 }],
    // More-specifics are rejected too: masklen from the prefix length to the host length.
    customimportrejectdefinedset: rej4.map((c) => ({ prefix: c, masklenMin: keyLength(parsePrefix(c)), masklenMax: V4_BITS })),
    customimportrejectdefinedsetv6: rej6.map((c) => ({ prefix: c, masklenMin: keyLength(parsePrefix(c)), masklenMax: V6_BITS })),
  };
  const neighborSets: Record<string, string[]> = {
    iBGPpeerset: ibgp4,
    iBGPpeersetv6: ibgp6,
    externalpeerset: ext4,
    externalpeersetv6: ext6,
    allpeerset: union(ext4, ibgp4),
    allpeersetv6: union(ext6, ibgp6),
  };
  // kube-router never references an empty set (GoBGP would match everything with it).
  const nonEmpty = (names: string[], sets: Record<string, unknown[]>) => names.filter((s) => sets[s]!.length > 0);

  const exportStatements: Statement[] = [];
  if (input.enableIbgp) {
    // One iBGP neighbour set serves both families: pod CIDRs of either family go over the same sessions.
    const ibgpSet = input.ibgpSessionFamily === 6 ? 'iBGPpeersetv6' : 'iBGPpeerset';
    for (const pod of nonEmpty(['podcidrdefinedset', 'podcidrdefinedsetv6'], prefixSets)) {
      if (neighborSets[ibgpSet]!.length === 0) continue;
      exportStatements.push({
        name: `${pod}${ibgpSet}`,
        conditions: { prefixSet: { name: pod }, neighborSet: { name: ibgpSet } },
        actions: { route: 'accept' },
      });
    }
  }
  const externalActions: Actions = {
    route: 'accept',
    ...(input.pathPrepend ? { asPrepend: { asn: input.pathPrepend.asn, repeat: input.pathPrepend.repeat } } : {}),
    ...(input.communities && input.communities.length > 0 ? { community: { operation: 'add' as const, communities: input.communities } } : {}),
    ...(input.overrideNextHop ? { nextHop: 'self' } : {}),
  };
  for (const peers of nonEmpty(['externalpeerset', 'externalpeersetv6'], neighborSets)) {
    const sets = nonEmpty(['servicevipsdefinedset', 'servicevipsdefinedsetv6'], prefixSets);
    if (input.advertisePodCidr) sets.push(...nonEmpty(['podcidrdefinedset', 'podcidrdefinedsetv6'], prefixSets));
    for (const set of sets) {
      exportStatements.push({
        name: `${set}${peers}`,
        conditions: { prefixSet: { name: set }, neighborSet: { name: peers } },
        actions: externalActions,
      });
    }
  }

  const importStatements: Statement[] = [];
  for (const peers of nonEmpty(['allpeerset', 'allpeersetv6'], neighborSets)) {
    const rejects = nonEmpty(
      [
        'servicevipsdefinedset',
        'servicevipsdefinedsetv6',
        'defaultroutedefinedset',
        'defaultroutedefinedsetv6',
        'customimportrejectdefinedset',
        'customimportrejectdefinedsetv6',
      ],
      prefixSets,
    );
    for (const set of rejects) {
      importStatements.push({
        name: `${set}${peers}`,
        conditions: { prefixSet: { name: set }, neighborSet: { name: peers } },
        actions: { route: 'reject' },
      });
    }
  }

  return {
    definedSets: { prefixSets, neighborSets },
    policies: [
      { name: `kube_router_export${n}`, statements: exportStatements },
      { name: `kube_router_import${n}`, statements: importStatements },
    ],
    export: { policies: [`kube_router_export${n}`], defaultAction: 'reject' },
    import: { policies: [`kube_router_import${n}`], defaultAction: 'accept' },
  };
}
