// RFC 1997 / RFC 8092 community text forms, as GoBGP and kube-router's annotations write them.
import { WellKnownCommunity } from '../wire/constants.js';
import type { LargeCommunity } from '../wire/types.js';
import { RibError } from '../rib/errors.js';

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;

/** GoBGP's well-known community names (bgp.ValidateCommunity accepts these). */
export const COMMUNITY_NAMES: Readonly<Record<string, number>> = {
  'graceful-shutdown': WellKnownCommunity.GRACEFUL_SHUTDOWN,
  'accept-own': WellKnownCommunity.ACCEPT_OWN,
  'llgr-stale': WellKnownCommunity.LLGR_STALE,
  'no-llgr': WellKnownCommunity.NO_LLGR,
  blackhole: WellKnownCommunity.BLACKHOLE,
  'no-export': WellKnownCommunity.NO_EXPORT,
  'no-advertise': WellKnownCommunity.NO_ADVERTISE,
  'no-export-subconfed': WellKnownCommunity.NO_EXPORT_SUBCONFED,
  'no-peer': WellKnownCommunity.NOPEER,
};

function uint(text: string, max: number, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new RibError(`bad ${what}: ${JSON.stringify(text)}`);
  return Number(text);
}

/** "65000:100", "4259840100" or a well-known name → the 32-bit community value. */
export function parseCommunity(text: string): number {
  const t = text.trim().toLowerCase();
  const named = COMMUNITY_NAMES[t];
  if (named !== undefined) return named;
  const colon = t.indexOf(':');
  if (colon < 0) return uint(t, UINT32_MAX, 'community');
  const hi = uint(t.slice(0, colon), UINT16_MAX, 'community');
  const lo = uint(t.slice(colon + 1), UINT16_MAX, 'community');
  return (hi * 0x10000 + lo) >>> 0;
}

export function formatCommunity(value: number): string {
  return `${value >>> 16}:${value & UINT16_MAX}`;
}

export function parseLargeCommunity(text: string): LargeCommunity {
  const parts = text.trim().split(':');
  if (parts.length !== 3) throw new RibError(`bad large community: ${JSON.stringify(text)}`);
  return {
    globalAdmin: uint(parts[0]!, UINT32_MAX, 'large community'),
    localData1: uint(parts[1]!, UINT32_MAX, 'large community'),
    localData2: uint(parts[2]!, UINT32_MAX, 'large community'),
  };
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.globalAdmin}:${c.localData1}:${c.localData2}`;
}

export function largeCommunityEquals(a: LargeCommunity, b: LargeCommunity): boolean {
  return a.globalAdmin === b.globalAdmin && a.localData1 === b.localData1 && a.localData2 === b.localData2;
}

/** True when a set entry is a regular expression rather than a literal value. */
export function isPattern(text: string): boolean {
  return /[\^$*+?.()[\]{}|\\]/.test(text);
}
