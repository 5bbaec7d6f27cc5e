// Session configuration: what a peer is, and how to turn that into the FSM's configuration and our OPEN.
import { afiSafiOfFamily } from '../wire/capabilities.js';
import { openMyAs } from '../wire/open.js';
import { BGP_VERSION } from '../wire/constants.js';
import type { AddPathMode, Capability, Family, OpenMessage } from '../wire/types.js';
import type { PeerFsmConfig } from '../fsm/peer-fsm.js';
import type { RequiredCapability } from '../fsm/negotiate.js';
import type { BackoffConfig, DampingConfig } from '../fsm/timers.js';
import { ipFamily } from '../transport/addresses.js';
import { BGP_PORT } from '../transport/connect.js';
import { SessionConfigError } from './errors.js';

export interface GracefulRestartConfig {
  /** RFC 4724 §3 Restart Time, seconds (12 bits). */
  readonly restartTime: number;
  /** RFC 8538 §2 N bit: we support the NOTIFICATION / Hard Reset procedures. */
  readonly notification?: boolean;
  readonly restartState?: boolean;
  /** Families whose forwarding state we preserve across a restart. */
  readonly preserveForwarding?: readonly Family[];
}

export interface SessionConfig {
  readonly peerAddress: string;
  readonly peerPort?: number;
  readonly peerAs: number;
  readonly localAs: number;
  /** Our BGP Identifier, dotted quad. */
  readonly routerId: string;
  readonly localAddress?: string;
  /** Seconds; 0 or ≥ 3 (RFC 4271 §4.2). Default 90 (kube-router's --bgp-holdtime default). */
  readonly holdTime?: number;
  /** Families to advertise; default: the peer address's own family. */
  readonly families?: readonly Family[];
  /** RFC 2385 TCP-MD5 password. */
  readonly password?: string | null;
  /** Never connect; only accept the peer's connection. */
  readonly passive?: boolean;
  /** eBGP multihop TTL. */
  readonly multihopTtl?: number;
  /** GTSM (RFC 5082): the peer is at most this many hops away. */
  readonly ttlSecurity?: number;
  readonly gracefulRestart?: GracefulRestartConfig;
  /** RFC 7911 per family: 1 receive, 2 send, 3 both. */
  readonly addPath?: Partial<Record<Family, AddPathMode>>;
  /** RFC 8654; default true. */
  readonly extendedMessage?: boolean;
  readonly requiredCapabilities?: readonly RequiredCapability[];
  readonly connectRetry?: BackoffConfig;
  readonly restart?: BackoffConfig;
  readonly damping?: DampingConfig & { readonly enabled: boolean };
  readonly collisionDetectEstablished?: boolean;
  /** DelayOpen (RFC 4271 §8.1.1): seconds to wait for the peer's OPEN before sending ours; 0/absent: off. */
  readonly delayOpen?: number;
  /** Create outgoing sockets inside this network namespace (/var/run/netns/NAME). */
  readonly netns?: string;
}

export const DEFAULT_HOLD_TIME = 90;
/** GoBGP's default ConnectRetry is 5 s; RFC 4271 §10 suggests 120 s, which we use as the cap. */
export const DEFAULT_CONNECT_RETRY: BackoffConfig = { initialMs: 5_000, maxMs: 120_000 };
export const DEFAULT_RESTART: BackoffConfig = { initialMs: 1_000, maxMs: 60_000 };
/** RFC 4271 §8.1.1's example: a peer flapping often is held back up to 120 s; one flap is forgotten per 5 min. */
export const DEFAULT_DAMPING: DampingConfig = { initialMs: 10_000, maxMs: 120_000, decayMs: 300_000 };
/** RFC 4724 §3: the Restart Time field is 12 bits. */
const MAX_RESTART_TIME = 0xfff;
const MIN_NONZERO_HOLD = 3;
const MAX_HOLD = 0xffff;
const MAX_ASN = 0xffffffff;
const MS_PER_S = 1000;

export function parseRouterId(id: string): number {
  const parts = id.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new SessionConfigError(`routerId must be a dotted quad, got ${JSON.stringify(id)}`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function validateSessionConfig(c: SessionConfig): void {
  if (ipFamily(c.peerAddress) === null) throw new SessionConfigError(`peerAddress must be an IP address, got ${c.peerAddress}`);
  if (c.localAddress !== undefined && ipFamily(c.localAddress) !== ipFamily(c.peerAddress)) {
    throw new SessionConfigError(`localAddress ${c.localAddress} is not of the peer address's family`);
  }
  for (const [name, asn] of [['peerAs', c.peerAs], ['localAs', c.localAs]] as const) {
    if (!Number.isInteger(asn) || asn < 1 || asn > MAX_ASN) throw new SessionConfigError(`${name} must be 1..${MAX_ASN}, got ${asn}`);
  }
  const hold = c.holdTime ?? DEFAULT_HOLD_TIME;
  if (!Number.isInteger(hold) || (hold !== 0 && (hold < MIN_NONZERO_HOLD || hold > MAX_HOLD))) {
    throw new SessionConfigError(`holdTime must be 0 or ${MIN_NONZERO_HOLD}..${MAX_HOLD} seconds, got ${hold}`);
  }
  if (c.gracefulRestart && (c.gracefulRestart.restartTime < 0 || c.gracefulRestart.restartTime > MAX_RESTART_TIME)) {
    throw new SessionConfigError(`gracefulRestart.restartTime must be 0..${MAX_RESTART_TIME}`);
  }
  parseRouterId(c.routerId);
}

export function familiesOf(c: SessionConfig): readonly Family[] {
  if (c.families && c.families.length > 0) return c.families;
  return ipFamily(c.peerAddress) === 6 ? ['ipv6-unicast'] : ['ipv4-unicast'];
}

/** Our OPEN (RFC 4271 §4.2) with the capabilities the configuration asks for (RFC 5492). */
export function buildOpen(c: SessionConfig): OpenMessage {
  const caps: Capability[] = [];
  const families = familiesOf(c);
  for (const f of families) caps.push({ kind: 'multiprotocol', ...afiSafiOfFamily(f) });
  caps.push({ kind: 'route-refresh' });
  caps.push({ kind: 'enhanced-route-refresh' });
  caps.push({ kind: 'four-octet-as', asn: c.localAs });
  if (c.extendedMessage ?? true) caps.push({ kind: 'extended-message' });
  if (c.gracefulRestart) {
    const gr = c.gracefulRestart;
    caps.push({
      kind: 'graceful-restart',
      restartState: gr.restartState ?? false,
      notification: gr.notification ?? true,
      restartTime: gr.restartTime,
      families: families.map((f) => ({ ...afiSafiOfFamily(f), forwardingState: gr.preserveForwarding?.includes(f) ?? false })),
    });
  }
  const addPath = Object.entries(c.addPath ?? {}).filter(([f]) => families.includes(f as Family));
  if (addPath.length > 0) {
    caps.push({ kind: 'add-path', families: addPath.map(([f, mode]) => ({ ...afiSafiOfFamily(f as Family), sendReceive: mode! })) });
  }
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: openMyAs(c.localAs),
    holdTime: c.holdTime ?? DEFAULT_HOLD_TIME,
    bgpIdentifier: parseRouterId(c.routerId),
    capabilities: caps,
  };
}

export function fsmConfigOf(c: SessionConfig): PeerFsmConfig {
  const damping = c.damping ?? { ...DEFAULT_DAMPING, enabled: false };
  return {
    localAs: c.localAs,
    routerId: parseRouterId(c.routerId),
    localOpen: buildOpen(c),
    peerAs: c.peerAs,
    ...(c.requiredCapabilities ? { requiredCapabilities: c.requiredCapabilities } : {}),
    connectRetry: c.connectRetry ?? DEFAULT_CONNECT_RETRY,
    restart: c.restart ?? DEFAULT_RESTART,
    damping,
    dampPeerOscillations: damping.enabled,
    autoRestart: true,
    passive: c.passive ?? false,
    collisionDetectEstablished: c.collisionDetectEstablished ?? false,
    ...(c.delayOpen ? { delayOpenMs: c.delayOpen * MS_PER_S } : {}),
  };
}

export function peerPortOf(c: SessionConfig): number {
  return c.peerPort ?? BGP_PORT;
}

/** Settings whose change needs a new session (the old one ends with Cease 6/6, RFC 4486). */
export const RESET_KEYS: ReadonlyArray<keyof SessionConfig> = [
  'peerAddress',
  'peerPort',
  'peerAs',
  'localAs',
  'routerId',
  'localAddress',
  'password',
  'families',
  'passive',
  'netns',
];
