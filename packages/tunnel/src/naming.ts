/**
 * Tunnel link names, kube-router compatible (pkg/tunnels/linux_tunnels.go, v2.x): `tun-` followed by the first 11
 * hex digits of sha256 of the next-hop address with every '.' and ':' removed. Existing kube-router nodes keep their
 * link names when kroute takes over, and the name of the link towards a next hop is known without any state.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/** Every tunnel link kroute (and kube-router) creates starts with this. */
export const TUNNEL_PREFIX = 'tun-';
/** Hex digits of the hash kept in the name: 4 + 11 = 15, the kernel's IFNAMSIZ - 1 limit. */
export const TUNNEL_HASH_DIGITS = 11;
/** Linux interface names are at most IFNAMSIZ - 1 = 15 bytes. */
export const MAX_IFNAME_LENGTH = 15;

const SEPARATORS = /[.:]/g;

/**
 * The tunnel link name for a next hop: `10.0.0.1` → `tun-e443169117a`. The input is hashed as text, exactly as
 * kube-router does (so `fd00::1` and `fd00:0::1` give different names; callers pass the canonical form).
 */
export function tunnelName(nextHop: string): string {
  const digest = createHash('sha256').update(nextHop.replace(SEPARATORS, '')).digest('hex');
  return TUNNEL_PREFIX + digest.slice(0, TUNNEL_HASH_DIGITS);
}

const TUNNEL_NAME = new RegExp(`^${TUNNEL_PREFIX}[0-9a-f]{${TUNNEL_HASH_DIGITS}}$`);

/** True for names in kroute's tunnel scheme (what sweep and cleanup may delete). */
export function isTunnelName(name: string): boolean {
  return TUNNEL_NAME.test(name);
}
