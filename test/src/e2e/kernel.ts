// What the kernel of a node namespace holds, read with `ip -j`: for asserting what kroute programmed, and that
// --cleanup-config removed exactly that.
import type { Netns } from '@kroute/testkit';

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  table?: string;
  flags?: string[];
  type?: string;
}

export interface IpRule {
  priority?: number;
  src?: string;
  srclen?: number;
  table?: string;
}

export interface IpLink {
  ifname: string;
  linkinfo?: { info_kind?: string };
}

/** kube-router's protocol number; iproute2 names 11 `zebra`, so 17 is shown (and selected) as a number. */
export const KROUTE_PROTOCOL = '17';
export const KROUTE_VXLAN_DEVICE = 'kroute.vxlan';

export async function routes(ns: Netns, ...select: string[]): Promise<IpRoute[]> {
  return JSON.parse(await ns.ip('-j', 'route', 'show', ...select)) as IpRoute[];
}

/** kroute's routes in the main table (protocol 17, `zebra` in iproute2's names). */
export async function krouteRoutes(ns: Netns): Promise<IpRoute[]> {
  return routes(ns, 'table', 'main', 'proto', KROUTE_PROTOCOL);
}

export async function rules(ns: Netns): Promise<IpRule[]> {
  return JSON.parse(await ns.ip('-j', 'rule', 'show')) as IpRule[];
}

export async function links(ns: Netns): Promise<IpLink[]> {
  return JSON.parse(await ns.ip('-j', '-d', 'link', 'show')) as IpLink[];
}

/** A comparable one-line form of a route. */
export function routeKey(r: IpRoute): string {
  return [r.table ?? 'main', r.type ?? '', r.dst, r.gateway ?? '', r.dev ?? '', r.protocol ?? ''].join(' ');
}
