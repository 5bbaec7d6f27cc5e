// Capabilities optional parameter (RFC 5492 §4): a sequence of (code, length, value) triples. Each known capability
// has its own value layout, defined in the RFC cited next to it; anything else is kept raw.
import { Afi, CapabilityCode, ErrorCode, Safi, UNSPECIFIC_SUBCODE } from './constants.js';
import { checkUint, concatBytes, EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import type { AddPathMode, AfiSafi, Capability, Family } from './types.js';

/** RFC 5492 §4: code and length octets before each capability value. */
const CAPABILITY_HEADER_LENGTH = 2;
const MAX_CAPABILITY_VALUE_LENGTH = 255;

/** RFC 4760 §8: AFI (2), reserved (1), SAFI (1). */
const MULTIPROTOCOL_LENGTH = 4;
/** RFC 6793 §3: the 4-octet AS. */
const FOUR_OCTET_AS_LENGTH = 4;
/** RFC 8950 §3: AFI (2), SAFI (2), next hop AFI (2) per entry. */
const EXTENDED_NEXT_HOP_ENTRY_LENGTH = 6;
/** RFC 4724 §3: restart flags (4 bits) + restart time (12 bits), then AFI (2), SAFI (1), flags (1) per family. */
const GRACEFUL_RESTART_HEADER_LENGTH = 2;
const GRACEFUL_RESTART_ENTRY_LENGTH = 4;
const GR_RESTART_STATE_BIT = 0x8000; // R, RFC 4724 §3
const GR_NOTIFICATION_BIT = 0x4000; // N, RFC 8538 §2
const GR_RESTART_TIME_MASK = 0x0fff;
/** RFC 4724 §3 / RFC 9494 §3: "Forwarding State" bit of the per-family flags. */
const FORWARDING_STATE_BIT = 0x80;
/** RFC 7911 §4: AFI (2), SAFI (1), Send/Receive (1) per entry. */
const ADD_PATH_ENTRY_LENGTH = 4;
/** RFC 9494 §3: AFI (2), SAFI (1), flags (1), long-lived stale time (3) per entry. */
const LLGR_ENTRY_LENGTH = 7;

function malformed(what: string): BgpError {
  // No subcode fits a malformed capability; RFC 4271 §4.5 says to use Unspecific (0) then.
  return new BgpError(ErrorCode.OPEN_MESSAGE, UNSPECIFIC_SUBCODE, `malformed capability: ${what}`);
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function expectLength(name: string, length: number, expected: number): void {
  if (length !== expected) throw malformed(`${name} length ${length}, expected ${expected}`);
}

function expectEntries(name: string, length: number, entry: number): number {
  if (length % entry !== 0) throw malformed(`${name} length ${length} is not a multiple of ${entry}`);
  return length / entry;
}

/** Decodes one capability value. `v` is exactly the value octets. */
function decodeOne(code: number, v: Uint8Array): Capability {
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      expectLength('multiprotocol', v.length, MULTIPROTOCOL_LENGTH);
      return { kind: 'multiprotocol', afi: u16(v, 0), safi: v[3]! };
    case CapabilityCode.ROUTE_REFRESH:
      expectLength('route refresh', v.length, 0);
      return { kind: 'route-refresh' };
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      const n = expectEntries('extended next hop', v.length, EXTENDED_NEXT_HOP_ENTRY_LENGTH);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const at = i * EXTENDED_NEXT_HOP_ENTRY_LENGTH;
        entries.push({ afi: u16(v, at), safi: u16(v, at + 2), nextHopAfi: u16(v, at + 4) });
      }
      return { kind: 'extended-next-hop', entries };
    }
    case CapabilityCode.EXTENDED_MESSAGE:
      expectLength('extended message', v.length, 0);
      return { kind: 'extended-message' };
    case CapabilityCode.GRACEFUL_RESTART: {
      if (v.length < GRACEFUL_RESTART_HEADER_LENGTH) throw malformed(`graceful restart length ${v.length}`);
      const n = expectEntries('graceful restart families', v.length - GRACEFUL_RESTART_HEADER_LENGTH, GRACEFUL_RESTART_ENTRY_LENGTH);
      const head = u16(v, 0);
      const families = [];
      for (let i = 0; i < n; i++) {
        const at = GRACEFUL_RESTART_HEADER_LENGTH + i * GRACEFUL_RESTART_ENTRY_LENGTH;
        families.push({ afi: u16(v, at), safi: v[at + 2]!, forwardingState: (v[at + 3]! & FORWARDING_STATE_BIT) !== 0 });
      }
      return {
        kind: 'graceful-restart',
        restartState: (head & GR_RESTART_STATE_BIT) !== 0,
        notification: (head & GR_NOTIFICATION_BIT) !== 0,
        restartTime: head & GR_RESTART_TIME_MASK,
        families,
      };
    }
    case CapabilityCode.FOUR_OCTET_AS:
      expectLength('4-octet AS', v.length, FOUR_OCTET_AS_LENGTH);
      return { kind: 'four-octet-as', asn: u32(v, 0) };
    case CapabilityCode.ADD_PATH: {
      const n = expectEntries('ADD-PATH', v.length, ADD_PATH_ENTRY_LENGTH);
      const families: Array<{ afi: number; safi: number; sendReceive: AddPathMode }> = [];
      for (let i = 0; i < n; i++) {
        const at = i * ADD_PATH_ENTRY_LENGTH;
        const mode = v[at + 3]!;
        // RFC 7911 §4: any other Send/Receive value makes the capability "not understood": keep it raw.
        if (mode !== 1 && mode !== 2 && mode !== 3) return { kind: 'unknown', code, value: v.slice() };
        families.push({ afi: u16(v, at), safi: v[at + 2]!, sendReceive: mode });
      }
      return { kind: 'add-path', families };
    }
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      expectLength('enhanced route refresh', v.length, 0);
      return { kind: 'enhanced-route-refresh' };
    case CapabilityCode.LONG_LIVED_GRACEFUL_RESTART: {
      const n = expectEntries('long-lived graceful restart', v.length, LLGR_ENTRY_LENGTH);
      const families = [];
      for (let i = 0; i < n; i++) {
        const at = i * LLGR_ENTRY_LENGTH;
        families.push({
          afi: u16(v, at),
          safi: v[at + 2]!,
          forwardingState: (v[at + 3]! & FORWARDING_STATE_BIT) !== 0,
          staleTime: (v[at + 4]! << 16) | (v[at + 5]! << 8) | v[at + 6]!,
        });
      }
      return { kind: 'long-lived-graceful-restart', families };
    }
    default:
      return { kind: 'unknown', code, value: v.slice() };
  }
}

/**
 * Decodes the value of one Capabilities optional parameter (`bytes[start..end)`) and appends the capabilities to
 * `out`. A parameter may hold several capabilities (RFC 5492 §4). Throws BgpError 2/0 when a capability overruns
 * the parameter or a known capability has an impossible length.
 */
export function decodeCapabilities(bytes: Uint8Array, start: number, end: number, out: Capability[]): void {
  let pos = start;
  while (pos < end) {
    if (end - pos < CAPABILITY_HEADER_LENGTH) throw malformed('truncated capability header');
    const code = bytes[pos]!;
    const length = bytes[pos + 1]!;
    pos += CAPABILITY_HEADER_LENGTH;
    if (pos + length > end) throw malformed(`capability ${code} length ${length} overruns its parameter`);
    out.push(decodeOne(code, bytes.subarray(pos, pos + length)));
    pos += length;
  }
}

function afiSafiBytes(afi: number, safi: number, name: string): Uint8Array {
  checkUint(afi, 16, `${name} AFI`);
  checkUint(safi, 8, `${name} SAFI`);
  return new Uint8Array([afi >>> 8, afi & 0xff, safi]);
}

function encodeValue(cap: Capability): { code: number; value: Uint8Array } {
  switch (cap.kind) {
    case 'multiprotocol': {
      const f = afiSafiBytes(cap.afi, cap.safi, 'multiprotocol');
      return { code: CapabilityCode.MULTIPROTOCOL, value: new Uint8Array([f[0]!, f[1]!, 0, f[2]!]) };
    }
    case 'route-refresh':
      return { code: CapabilityCode.ROUTE_REFRESH, value: new Uint8Array(0) };
    case 'extended-next-hop': {
      const value = new Uint8Array(cap.entries.length * EXTENDED_NEXT_HOP_ENTRY_LENGTH);
      cap.entries.forEach((e, i) => {
        const dv = new DataView(value.buffer, i * EXTENDED_NEXT_HOP_ENTRY_LENGTH, EXTENDED_NEXT_HOP_ENTRY_LENGTH);
        checkUint(e.afi, 16, 'extended next hop AFI');
        checkUint(e.safi, 16, 'extended next hop SAFI');
        checkUint(e.nextHopAfi, 16, 'extended next hop next hop AFI');
        dv.setUint16(0, e.afi);
        dv.setUint16(2, e.safi);
        dv.setUint16(4, e.nextHopAfi);
      });
      return { code: CapabilityCode.EXTENDED_NEXT_HOP, value };
    }
    case 'extended-message':
      return { code: CapabilityCode.EXTENDED_MESSAGE, value: new Uint8Array(0) };
    case 'graceful-restart': {
      checkUint(cap.restartTime, 12, 'graceful restart time');
      const head =
        (cap.restartState ? GR_RESTART_STATE_BIT : 0) | (cap.notification ? GR_NOTIFICATION_BIT : 0) | cap.restartTime;
      const parts: Uint8Array[] = [new Uint8Array([head >>> 8, head & 0xff])];
      for (const f of cap.families) {
        parts.push(afiSafiBytes(f.afi, f.safi, 'graceful restart'), new Uint8Array([f.forwardingState ? FORWARDING_STATE_BIT : 0]));
      }
      return { code: CapabilityCode.GRACEFUL_RESTART, value: concatBytes(parts) };
    }
    case 'four-octet-as': {
      checkUint(cap.asn, 32, '4-octet AS');
      const value = new Uint8Array(FOUR_OCTET_AS_LENGTH);
      new DataView(value.buffer).setUint32(0, cap.asn);
      return { code: CapabilityCode.FOUR_OCTET_AS, value };
    }
    case 'add-path': {
      const parts: Uint8Array[] = [];
      for (const f of cap.families) parts.push(afiSafiBytes(f.afi, f.safi, 'ADD-PATH'), new Uint8Array([f.sendReceive]));
      return { code: CapabilityCode.ADD_PATH, value: concatBytes(parts) };
    }
    case 'enhanced-route-refresh':
      return { code: CapabilityCode.ENHANCED_ROUTE_REFRESH, value: new Uint8Array(0) };
    case 'long-lived-graceful-restart': {
      const parts: Uint8Array[] = [];
      for (const f of cap.families) {
        checkUint(f.staleTime, 24, 'long-lived stale time');
        parts.push(
          afiSafiBytes(f.afi, f.safi, 'long-lived graceful restart'),
          new Uint8Array([f.forwardingState ? FORWARDING_STATE_BIT : 0, f.staleTime >>> 16, (f.staleTime >>> 8) & 0xff, f.staleTime & 0xff]),
        );
      }
      return { code: CapabilityCode.LONG_LIVED_GRACEFUL_RESTART, value: concatBytes(parts) };
    }
    case 'unknown':
      checkUint(cap.code, 8, 'capability code');
      return { code: cap.code, value: cap.value };
  }
}

/** Encodes one capability as code, length, value (RFC 5492 §4). */
export function encodeCapability(cap: Capability): Uint8Array {
  const { code, value } = encodeValue(cap);
  if (value.length > MAX_CAPABILITY_VALUE_LENGTH) {
    throw new EncodeError(`capability ${code} value is ${value.length} octets, more than ${MAX_CAPABILITY_VALUE_LENGTH}`);
  }
  const out = new Uint8Array(CAPABILITY_HEADER_LENGTH + value.length);
  out[0] = code;
  out[1] = value.length;
  out.set(value, CAPABILITY_HEADER_LENGTH);
  return out;
}

/** Encodes capabilities back to back: the value of one Capabilities optional parameter. */
export function encodeCapabilities(caps: readonly Capability[]): Uint8Array {
  return concatBytes(caps.map(encodeCapability));
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups

export type CapabilityKind = Capability['kind'];
export type CapabilityOf<K extends CapabilityKind> = Extract<Capability, { kind: K }>;

/** The first capability of this kind, if advertised. */
export function findCapability<K extends CapabilityKind>(caps: readonly Capability[], kind: K): CapabilityOf<K> | undefined {
  return caps.find((c): c is CapabilityOf<K> => c.kind === kind);
}

/** Every capability of this kind (multiprotocol is advertised once per family). */
export function findCapabilities<K extends CapabilityKind>(caps: readonly Capability[], kind: K): Array<CapabilityOf<K>> {
  return caps.filter((c): c is CapabilityOf<K> => c.kind === kind);
}

export function hasCapability(caps: readonly Capability[], kind: CapabilityKind): boolean {
  return caps.some((c) => c.kind === kind);
}

/** The kroute family name of an AFI/SAFI pair, or undefined for families kroute does not speak. */
export function familyOfAfiSafi(afi: number, safi: number): Family | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  if (afi === Afi.IPV4) return 'ipv4-unicast';
  if (afi === Afi.IPV6) return 'ipv6-unicast';
  return undefined;
}

export function afiSafiOfFamily(family: Family): AfiSafi {
  return family === 'ipv4-unicast' ? { afi: Afi.IPV4, safi: Safi.UNICAST } : { afi: Afi.IPV6, safi: Safi.UNICAST };
}

/**
 * The families a speaker announces. RFC 4760 §8 / RFC 5492 §3: a speaker without any multiprotocol capability
 * speaks IPv4 unicast only.
 */
export function advertisedFamilies(caps: readonly Capability[]): AfiSafi[] {
  const mp = findCapabilities(caps, 'multiprotocol');
  if (mp.length === 0) return [{ afi: Afi.IPV4, safi: Safi.UNICAST }];
  return mp.map((c) => ({ afi: c.afi, safi: c.safi }));
}
