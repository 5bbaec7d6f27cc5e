// PeerConfig → the session's and the RIB's views of the peer, and what a config change needs.
import { isIP } from 'node:net';
import type { PeerSpec } from '../rib/path.js';
import { canonicalAddress } from '../transport/addresses.js';
import type { SessionConfig } from '../session/config.js';
import type { Family } from '../wire/types.js';
import { SpeakerConfigError } from './errors.js';
import type { PeerConfig, SpeakerGracefulRestart, SpeakerOptions } from './types.js';

/** kube-router's --bgp-graceful-restart-time and --bgp-graceful-restart-deferral-time defaults. */
export const DEFAULT_RESTART_TIME_S = 90;
export const DEFAULT_DEFERRAL_TIME_S = 360;
const MS = 1000;

export function normalisePeer(config: PeerConfig): PeerConfig {
  if (isIP(config.address) === 0) throw new SpeakerConfigError(`peer address must be an IP address, got ${JSON.stringify(config.address)}`);
  if (config.maxPrefixes !== undefined && (!Number.isInteger(config.maxPrefixes) || config.maxPrefixes < 1)) {
    throw new SpeakerConfigError(`maxPrefixes must be a positive integer, got ${config.maxPrefixes}`);
  }
  return { ...config, address: canonicalAddress(config.address) };
}

/** The restart time this peer gets in our GR capability, or null when GR is off for it. */
export function peerRestartTime(peer: PeerConfig, gr: SpeakerGracefulRestart | undefined): number | null {
  if (gr?.enabled !== true || peer.gracefulRestart === false) return null;
  if (typeof peer.gracefulRestart === 'object' && peer.gracefulRestart.restartTime !== undefined) return peer.gracefulRestart.restartTime;
  return gr.restartTime ?? DEFAULT_RESTART_TIME_S;
}

export function sessionConfigOf(peer: PeerConfig, opts: SpeakerOptions, restarting: boolean): SessionConfig {
  const restartTime = peerRestartTime(peer, opts.gracefulRestart);
  return {
    peerAddress: peer.address,
    ...(peer.port !== undefined ? { peerPort: peer.port } : {}),
    peerAs: peer.asn,
    localAs: opts.asn,
    routerId: opts.routerId,
    ...(peer.localAddress !== undefined ? { localAddress: peer.localAddress } : {}),
    ...(peer.holdTime !== undefined ? { holdTime: peer.holdTime } : {}),
    ...(peer.families !== undefined ? { families: peer.families } : {}),
    password: peer.password ?? null,
    ...(peer.passive !== undefined ? { passive: peer.passive } : {}),
    ...(peer.multihopTtl !== undefined ? { multihopTtl: peer.multihopTtl } : {}),
    ...(peer.ttlSecurity !== undefined ? { ttlSecurity: peer.ttlSecurity } : {}),
    ...(peer.connectRetry !== undefined ? { connectRetry: peer.connectRetry } : {}),
    ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
    ...(restartTime !== null
      ? {
          gracefulRestart: {
            restartTime,
            // RFC 8538 §2: we implement the N bit procedures (hard reset vs graceful).
            notification: true,
            // RFC 4724 §3: the Restart State bit, and the Forwarding bit only for what survived our restart.
            restartState: restarting,
            preserveForwarding: restarting ? (opts.gracefulRestart?.preservedFamilies ?? []) : [],
          },
        }
      : {}),
  };
}

export function ribSpecOf(peer: PeerConfig): PeerSpec {
  return {
    address: peer.address,
    asn: peer.asn,
    ...(peer.routeReflectorClient !== undefined ? { routeReflectorClient: peer.routeReflectorClient } : {}),
    ...(peer.maxPrefixes !== undefined ? { maxPrefixes: peer.maxPrefixes } : {}),
    ...(peer.importPolicies !== undefined ? { importPolicies: peer.importPolicies } : {}),
    ...(peer.exportPolicies !== undefined ? { exportPolicies: peer.exportPolicies } : {}),
    ...(peer.importDefault !== undefined ? { importDefault: peer.importDefault } : {}),
    ...(peer.exportDefault !== undefined ? { exportDefault: peer.exportDefault } : {}),
  };
}

export function mraiMsOf(peer: PeerConfig, opts: SpeakerOptions): number {
  const ibgp = peer.asn === opts.asn;
  const s = peer.mrai ?? (ibgp ? opts.mrai?.ibgp : opts.mrai?.ebgp) ?? 0;
  return s * MS;
}

export function familiesOfPeer(peer: PeerConfig): readonly Family[] {
  if (peer.families && peer.families.length > 0) return peer.families;
  return isIP(peer.address) === 6 ? ['ipv6-unicast'] : ['ipv4-unicast'];
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
