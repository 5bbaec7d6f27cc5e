// Which TTL (IPv6: hop limit) a BGP session sends with, and which minimum it demands of received packets.
// Pure: the socket layer applies the result (sockets.ts).
import { TransportConfigError } from './errors.js';

/** Largest IP TTL / IPv6 hop limit. */
export const MAX_TTL = 255;
/** eBGP peers are directly connected unless configured otherwise (RFC 4271 §5.1.3; every implementation's default). */
export const EBGP_DEFAULT_TTL = 1;
/**
 * iBGP peers are often loopbacks reached across the IGP, any number of hops away. FRR and BIRD send iBGP with 255;
 * GoBGP leaves the OS default (net.ipv4.ip_default_ttl, usually 64). We send 255 explicitly: it does not depend on a
 * sysctl, never limits the path length, and satisfies a peer that runs GTSM on its iBGP sessions.
 */
export const IBGP_TTL = MAX_TTL;
/** No minimum: IP_MINTTL / IPV6_MINHOPCOUNT 0 turns the check off. */
export const NO_MIN_TTL = 0;

export type PeerType = 'internal' | 'external';

export interface TtlConfig {
  peerType: PeerType;
  /** eBGP multihop: send with this TTL (kube-router's --peer-router-multihop-ttl). 1..255. */
  multihopTtl?: number;
  /** GTSM (RFC 5082): the peer is at most this many hops away. 1..254. */
  ttlSecurity?: number;
}

export interface TtlSettings {
  /** TTL / hop limit of every packet we send. */
  ttl: number;
  /** Received packets with a lower TTL are dropped by the kernel (0: no check). */
  minTtl: number;
}

export function ttlSettings(config: TtlConfig): TtlSettings {
  const { peerType, multihopTtl, ttlSecurity } = config;
  if (multihopTtl !== undefined && ttlSecurity !== undefined) {
    // GTSM fixes the sending TTL at 255, so a multihop TTL could not be honoured; FRR rejects the same combination.
    throw new TransportConfigError('multihopTtl and ttlSecurity are mutually exclusive');
  }
  if (ttlSecurity !== undefined) {
    if (!Number.isInteger(ttlSecurity) || ttlSecurity < 1 || ttlSecurity > MAX_TTL - 1) {
      throw new TransportConfigError(`ttlSecurity must be an integer hop count 1..${MAX_TTL - 1}, got ${ttlSecurity}`);
    }
    // RFC 5082 §3: send with TTL 255; accept only packets that lost at most `hops` - 1 on the way, i.e. TTL ≥ 256 − hops.
    return { ttl: MAX_TTL, minTtl: MAX_TTL + 1 - ttlSecurity };
  }
  if (multihopTtl !== undefined) {
    if (!Number.isInteger(multihopTtl) || multihopTtl < 1 || multihopTtl > MAX_TTL) {
      throw new TransportConfigError(`multihopTtl must be an integer 1..${MAX_TTL}, got ${multihopTtl}`);
    }
    return { ttl: multihopTtl, minTtl: NO_MIN_TTL };
  }
  return { ttl: peerType === 'internal' ? IBGP_TTL : EBGP_DEFAULT_TTL, minTtl: NO_MIN_TTL };
}
