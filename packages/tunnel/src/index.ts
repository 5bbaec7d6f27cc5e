/**
 * @kroute/tunnel: overlay tunnels over netlink — naming, MTU arithmetic, the ipip / ip6tnl / GUE TunnelManager and
 * the flannel-style VxlanBackend, both implementing @kroute/routing's TunnelBackend.
 * @packageDocumentation
 */
export const PACKAGE = '@kroute/tunnel';

export { TUNNEL_PREFIX, TUNNEL_HASH_DIGITS, MAX_IFNAME_LENGTH, tunnelName, isTunnelName } from './naming.js';
export * from './mtu.js';
export { TunnelError, KernelSupportError } from './errors.js';
export { canonicalAddress, networkAddress } from './address.js';
export {
  DEFAULT_FOU_PORT,
  MIN_FOU_PORT,
  FOU_TUNNEL_TTL,
  INHERIT_TTL,
  checkFouPort,
  desiredTunnel,
  tunnelLink,
  tunnelMismatch,
  isOwnedTunnel,
  fouPortsInUse,
  orphanedTunnels,
  type DesiredTunnel,
  type TunnelEncap,
} from './tunnel-spec.js';
export { TunnelManager, type TunnelManagerOptions, type EnsureOutcome, type TunnelLinkInfo } from './tunnel-manager.js';
export { VTEP_MAC_OUI, VTEP_MAC_IPV4, VTEP_MAC_IPV6, vtepMac, vtepAddress } from './vtep.js';
export {
  DEFAULT_VXLAN_DEVICE,
  DEFAULT_VNI,
  DEFAULT_VXLAN_PORT,
  desiredVxlan,
  vxlanLink,
  vxlanMismatch,
  strayNeighbours,
  strayFdbEntries,
  type DesiredVxlan,
} from './vxlan-spec.js';
export { VxlanBackend, type VxlanBackendOptions, type VxlanRemote } from './vxlan-backend.js';
export { modprobe, type ModuleLoader } from './kernel-modules.js';
export { underlayMtu } from './underlay.js';
