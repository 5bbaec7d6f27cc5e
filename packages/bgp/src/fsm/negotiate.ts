// Capability negotiation (RFC 5492 and the per-capability RFCs) as a pure function of the two OPENs.
import { findCapabilities, findCapability, advertisedFamilies, familyOfAfiSafi, encodeCapability } from '../wire/capabilities.js';
import { ErrorCode, OpenErrorSubcode } from '../wire/constants.js';
import { BgpError } from '../wire/errors.js';
import { peerAsFromOpen } from '../wire/open.js';
import type { AfiSafi, Capability, CodecContext, Family, OpenMessage } from '../wire/types.js';

export type GracefulRestartCapability = Extract<Capability, { kind: 'graceful-restart' }>;

/** What both sides agreed on, visible in the session's state and used to build the codec contexts. */
export interface NegotiatedSession {
  /** Seconds; 0 means no KEEPALIVEs and no hold timer (RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Seconds between KEEPALIVEs: a third of the hold time (RFC 4271 §10), 0 when the hold time is 0. */
  readonly keepaliveTime: number;
  readonly peerAs: number;
  readonly peerBgpId: number;
  /** RFC 4271 §8.2.2: same AS on both sides. */
  readonly internal: boolean;
  /** Families both sides advertised (RFC 4760 §8) that kroute speaks. */
  readonly families: readonly Family[];
  /** Every AFI/SAFI both sides advertised, including ones kroute does not speak. */
  readonly afiSafis: readonly AfiSafi[];
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** RFC 4724: each side's capability as advertised (undefined when that side did not advertise it). */
  readonly gracefulRestart: { readonly local?: GracefulRestartCapability; readonly remote?: GracefulRestartCapability };
  /** RFC 7911 §4: per family, whether we may receive / send multiple paths. */
  readonly addPath: { readonly receive: ReadonlySet<Family>; readonly send: ReadonlySet<Family> };
  /** Context for decoding what the peer sends us. */
  readonly decode: CodecContext;
  /** Context for encoding what we send the peer. */
  readonly encode: CodecContext;
  readonly localOpen: OpenMessage;
  readonly remoteOpen: OpenMessage;
}

/** RFC 7911 §4 Send/Receive field bits. */
const ADD_PATH_RECEIVE = 1;
const ADD_PATH_SEND = 2;
/** RFC 4271 §10: KeepaliveTime is one third of the HoldTime. */
const KEEPALIVE_FRACTION = 3;

function addPathModes(caps: readonly Capability[]): Map<string, number> {
  const modes = new Map<string, number>();
  for (const cap of findCapabilities(caps, 'add-path')) {
    for (const f of cap.families) modes.set(`${f.afi}/${f.safi}`, f.sendReceive);
  }
  return modes;
}

export function negotiate(localOpen: OpenMessage, remoteOpen: OpenMessage, localAs: number): NegotiatedSession {
  const local = localOpen.capabilities;
  const remote = remoteOpen.capabilities;
  const both = (kind: Capability['kind']): boolean => findCapability(local, kind) !== undefined && findCapability(remote, kind) !== undefined;

  const remoteFamilies = new Set(advertisedFamilies(remote).map((f) => `${f.afi}/${f.safi}`));
  const afiSafis = advertisedFamilies(local).filter((f) => remoteFamilies.has(`${f.afi}/${f.safi}`));
  const families: Family[] = [];
  for (const f of afiSafis) {
    const name = familyOfAfiSafi(f.afi, f.safi);
    if (name !== undefined && !families.includes(name)) families.push(name);
  }

  const localModes = addPathModes(local);
  const remoteModes = addPathModes(remote);
  const receive = new Set<Family>();
  const send = new Set<Family>();
  for (const f of afiSafis) {
    const name = familyOfAfiSafi(f.afi, f.safi);
    if (name === undefined) continue;
    const key = `${f.afi}/${f.safi}`;
    const ours = localModes.get(key) ?? 0;
    const theirs = remoteModes.get(key) ?? 0;
    // RFC 7911 §4: we receive multiple paths when we said "receive" and the peer said "send", and vice versa.
    if (ours & ADD_PATH_RECEIVE && theirs & ADD_PATH_SEND) receive.add(name);
    if (ours & ADD_PATH_SEND && theirs & ADD_PATH_RECEIVE) send.add(name);
  }

  const holdTime = Math.min(localOpen.holdTime, remoteOpen.holdTime);
  const fourOctetAs = both('four-octet-as');
  const extendedMessage = both('extended-message');
  const enhancedRouteRefresh = both('enhanced-route-refresh');
  const peerAs = peerAsFromOpen(remoteOpen);
  const gr: { local?: GracefulRestartCapability; remote?: GracefulRestartCapability } = {};
  const localGr = findCapability(local, 'graceful-restart');
  const remoteGr = findCapability(remote, 'graceful-restart');
  if (localGr) gr.local = localGr;
  if (remoteGr) gr.remote = remoteGr;
  return {
    holdTime,
    keepaliveTime: Math.floor(holdTime / KEEPALIVE_FRACTION),
    peerAs,
    peerBgpId: remoteOpen.bgpIdentifier,
    internal: peerAs === localAs,
    families,
    afiSafis,
    fourOctetAs,
    routeRefresh: both('route-refresh'),
    enhancedRouteRefresh,
    extendedMessage,
    gracefulRestart: gr,
    addPath: { receive, send },
    decode: { fourOctetAs, extendedMessage, addPath: receive, enhancedRouteRefresh },
    encode: { fourOctetAs, extendedMessage, addPath: send, enhancedRouteRefresh },
    localOpen,
    remoteOpen,
  };
}

/** A capability the peer must advertise for the session to come up (RFC 5492 §5). */
export type RequiredCapability = { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number } | { readonly kind: Exclude<Capability['kind'], 'multiprotocol' | 'unknown'> };

/**
 * RFC 5492 §5: when the peer lacks a capability we require, the NOTIFICATION is 2/7 and its data lists the missing
 * capabilities as they would appear in an OPEN. Returns null when nothing required is missing.
 */
export function checkRequiredCapabilities(remote: OpenMessage, required: readonly RequiredCapability[]): BgpError | null {
  const missing: Uint8Array[] = [];
  const names: string[] = [];
  for (const req of required) {
    if (req.kind === 'multiprotocol') {
      const present = advertisedFamilies(remote.capabilities).some((f) => f.afi === req.afi && f.safi === req.safi);
      if (!present) {
        missing.push(encodeCapability({ kind: 'multiprotocol', afi: req.afi, safi: req.safi }));
        names.push(`multiprotocol ${req.afi}/${req.safi}`);
      }
    } else if (findCapability(remote.capabilities, req.kind) === undefined) {
      missing.push(encodeCapability(placeholderCapability(req.kind)));
      names.push(req.kind);
    }
  }
  if (missing.length === 0) return null;
  const data = new Uint8Array(missing.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of missing) {
    data.set(m, at);
    at += m.length;
  }
  return new BgpError(ErrorCode.OPEN_MESSAGE, OpenErrorSubcode.UNSUPPORTED_CAPABILITY, `peer lacks required capabilities: ${names.join(', ')}`, data);
}

/** The capability as we would advertise it with empty/neutral values, to name it in 2/7 data. */
function placeholderCapability(kind: Exclude<Capability['kind'], 'multiprotocol' | 'unknown'>): Capability {
  switch (kind) {
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return { kind };
    case 'four-octet-as':
      return { kind, asn: 0 };
    case 'graceful-restart':
      return { kind, restartState: false, notification: false, restartTime: 0, families: [] };
    case 'add-path':
      return { kind, families: [] };
    case 'extended-next-hop':
      return { kind, entries: [] };
    case 'long-lived-graceful-restart':
      return { kind, families: [] };
  }
}
