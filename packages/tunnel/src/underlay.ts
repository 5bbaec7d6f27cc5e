/**
 * `--auto-mtu` needs the MTU of the interface holding the node's primary IP (kube-router's GetNodeMTU); this reads it
 * over rtnetlink. Pair it with `autoMtu()` for the pod/bridge MTU of an overlay.
 * @packageDocumentation
 */
import { Rtnl } from '@kroute/routing';
import { canonicalAddress } from './address.js';
import { TunnelError } from './errors.js';

/** The MTU of the interface that has `nodeIP` as one of its addresses. */
export async function underlayMtu(nodeIP: string, options: { netns?: string } = {}): Promise<number> {
  const ip = canonicalAddress(nodeIP);
  const rtnl = Rtnl.open(options.netns !== undefined ? { netns: options.netns } : {});
  try {
    const addr = (await rtnl.listAddresses()).find((a) => canonicalAddress(a.address.slice(0, a.address.indexOf('/'))) === ip);
    if (!addr) throw new TunnelError(`no interface has the node IP ${ip}`);
    const link = await rtnl.getLink(addr.index);
    if (link?.mtu === undefined) throw new TunnelError(`interface if${addr.index} holding ${ip} reports no MTU`);
    return link.mtu;
  } finally {
    rtnl.close();
  }
}
