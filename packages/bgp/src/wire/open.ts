// OPEN message (RFC 4271 §4.2), its optional parameters in both the classic and the RFC 9072 extended encoding,
// and the semantic checks of RFC 4271 §6.2 as a pure function the FSM calls.
import {
  AS_TRANS,
  BGP_VERSION,
  ErrorCode,
  HEADER_LENGTH,
  HeaderErrorSubcode,
  MARKER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  MinMessageLength,
  OPT_PARAM_CAPABILITIES,
  OPT_PARAM_EXTENDED_LENGTH,
  OpenErrorSubcode,
  UNSPECIFIC_SUBCODE,
} from './constants.js';
import { decodeCapabilities, encodeCapabilities, findCapability } from './capabilities.js';
import { checkUint, concatBytes, EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import { allocateMessage } from './header.js';
import type { Capability, OpenMessage } from './types.js';

// Offsets of the fixed OPEN fields within the whole message (RFC 4271 §4.2).
const VERSION_AT = HEADER_LENGTH;
const MY_AS_AT = VERSION_AT + 1;
const HOLD_TIME_AT = MY_AS_AT + 2;
const BGP_ID_AT = HOLD_TIME_AT + 2;
const OPT_PARAMS_LENGTH_AT = BGP_ID_AT + 4;
const OPT_PARAMS_AT = OPT_PARAMS_LENGTH_AT + 1;

/** RFC 4271 §4.2: parameter type + 1-octet length. RFC 9072 §2: type + 2-octet length. */
const PARAM_HEADER_LENGTH = 2;
const EXTENDED_PARAM_HEADER_LENGTH = 3;
/** RFC 9072 §2: Non-Ext OP Type + Extended Opt. Parm. Length, after the Non-Ext OP Len octet. */
const EXTENDED_PARAMS_PREFIX_LENGTH = 3;
const MAX_CLASSIC_PARAMS_LENGTH = 255;

/** RFC 4271 §6.2 / RFC 4271 §10: hold times of 1 and 2 seconds MUST be rejected; 0 (no keepalives) is fine. */
export const MIN_NONZERO_HOLD_TIME = 3;

function openError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, message, data);
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/**
 * Decodes an OPEN message (whole message, header already checked by decodeMessage: length 29..4096 and equal to
 * `message.length`). Structural errors in the optional parameters are 2/0 (RFC 4271 §4.5: no specific subcode
 * applies); an optional parameter other than Capabilities is 2/4 (RFC 4271 §6.2, RFC 5492 §4).
 *
 * When the version is not 4 the rest of the message may follow another layout, so only the fixed fields are
 * decoded (capabilities empty) and validateOpen reports 2/1 as RFC 4271 §6.2 requires.
 */
export function decodeOpen(message: Uint8Array): OpenMessage {
  if (message.length < MinMessageLength.OPEN) {
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      `OPEN of ${message.length} octets is shorter than ${MinMessageLength.OPEN}`,
      message.slice(MARKER_LENGTH, MARKER_LENGTH + 2),
    );
  }
  const version = message[VERSION_AT]!;
  const fixed = {
    type: 'open' as const,
    version,
    myAs: u16(message, MY_AS_AT),
    holdTime: u16(message, HOLD_TIME_AT),
    bgpIdentifier: ((u16(message, BGP_ID_AT) << 16) | u16(message, BGP_ID_AT + 2)) >>> 0,
  };
  if (version !== BGP_VERSION) return { ...fixed, capabilities: [] };
  return { ...fixed, capabilities: decodeOptionalParameters(message) };
}

function decodeOptionalParameters(message: Uint8Array): Capability[] {
  const nonExtLength = message[OPT_PARAMS_LENGTH_AT]!;
  let pos = OPT_PARAMS_AT;
  let end = pos + nonExtLength;
  let extended = false;
  // RFC 9072 §2-3: a non-zero length followed by a first parameter type of 255 announces the extended encoding,
  // whatever the value of the Non-Ext OP Len octet.
  if (nonExtLength !== 0 && message.length > pos && message[pos] === OPT_PARAM_EXTENDED_LENGTH) {
    if (message.length < pos + EXTENDED_PARAMS_PREFIX_LENGTH) {
      throw openError(UNSPECIFIC_SUBCODE, 'truncated RFC 9072 extended optional parameters length');
    }
    extended = true;
    const extLength = u16(message, pos + 1);
    pos += EXTENDED_PARAMS_PREFIX_LENGTH;
    end = pos + extLength;
  }
  if (end !== message.length) {
    throw openError(UNSPECIFIC_SUBCODE, `optional parameters end at ${end}, but the message has ${message.length} octets`);
  }
  const headerLength = extended ? EXTENDED_PARAM_HEADER_LENGTH : PARAM_HEADER_LENGTH;
  const caps: Capability[] = [];
  while (pos < end) {
    if (end - pos < headerLength) throw openError(UNSPECIFIC_SUBCODE, 'truncated optional parameter header');
    const type = message[pos]!;
    const length = extended ? u16(message, pos + 1) : message[pos + 1]!;
    pos += headerLength;
    if (pos + length > end) throw openError(UNSPECIFIC_SUBCODE, `optional parameter ${type} overruns the parameters`);
    if (type !== OPT_PARAM_CAPABILITIES) {
      throw openError(OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `unsupported optional parameter type ${type}`);
    }
    decodeCapabilities(message, pos, pos + length, caps);
    pos += length;
  }
  return caps;
}

/**
 * Encodes an OPEN. All capabilities go into one Capabilities parameter; `otherParameters` (for tests that need
 * to send odd OPENs) follow it. The RFC 9072 extended encoding is used only when the parameters do not fit the
 * classic 255 octets (RFC 9072 §2: "SHOULD" use the classic form when it suffices).
 */
export function encodeOpen(open: Omit<OpenMessage, 'type'>): Uint8Array {
  checkUint(open.version, 8, 'version');
  checkUint(open.myAs, 16, 'My AS');
  checkUint(open.holdTime, 16, 'hold time');
  checkUint(open.bgpIdentifier, 32, 'BGP Identifier');
  const params: Array<{ type: number; value: Uint8Array }> = [];
  if (open.capabilities.length > 0) params.push({ type: OPT_PARAM_CAPABILITIES, value: encodeCapabilities(open.capabilities) });
  for (const p of open.otherParameters ?? []) {
    checkUint(p.type, 8, 'optional parameter type');
    // A first parameter of type 255 would be read as the RFC 9072 marker.
    if (p.type === OPT_PARAM_EXTENDED_LENGTH) throw new EncodeError('optional parameter type 255 is reserved by RFC 9072');
    params.push(p);
  }
  const classicLength = params.reduce((n, p) => n + PARAM_HEADER_LENGTH + p.value.length, 0);
  const classic = classicLength <= MAX_CLASSIC_PARAMS_LENGTH;
  const body = concatBytes(params.map((p) => paramBytes(p.type, p.value, classic)));
  if (!classic) checkUint(body.length, 16, 'extended optional parameters length');
  // RFC 9072 §2: Non-Ext OP Len and Non-Ext OP Type both 255, then the 2-octet Extended Opt. Parm. Length.
  const prefix = classic
    ? new Uint8Array([body.length])
    : new Uint8Array([OPT_PARAM_EXTENDED_LENGTH, OPT_PARAM_EXTENDED_LENGTH, body.length >>> 8, body.length & 0xff]);
  const length = OPT_PARAMS_LENGTH_AT + prefix.length + body.length;
  // RFC 8654 §4: OPEN is never an extended message.
  if (length > MAX_MESSAGE_LENGTH) throw new EncodeError(`OPEN of ${length} octets exceeds ${MAX_MESSAGE_LENGTH}`);
  const out = allocateMessage(length, MessageType.OPEN);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[VERSION_AT] = open.version;
  dv.setUint16(MY_AS_AT, open.myAs);
  dv.setUint16(HOLD_TIME_AT, open.holdTime);
  dv.setUint32(BGP_ID_AT, open.bgpIdentifier);
  out.set(prefix, OPT_PARAMS_LENGTH_AT);
  out.set(body, OPT_PARAMS_LENGTH_AT + prefix.length);
  return out;
}

function paramBytes(type: number, value: Uint8Array, classic: boolean): Uint8Array {
  if (classic) return concatBytes([new Uint8Array([type, value.length]), value]);
  checkUint(value.length, 16, 'optional parameter length');
  return concatBytes([new Uint8Array([type, value.length >>> 8, value.length & 0xff]), value]);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers and semantic checks

/** The 2-octet My AS field for `asn` (RFC 6793 §4.2.1: AS_TRANS when it needs 4 octets). */
export function openMyAs(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** The peer's AS: the 4-octet AS capability when present (RFC 6793 §4.2.1), else My AS. */
export function peerAsFromOpen(open: Pick<OpenMessage, 'myAs' | 'capabilities'>): number {
  return findCapability(open.capabilities, 'four-octet-as')?.asn ?? open.myAs;
}

export interface OpenExpectations {
  /** The AS the peer is configured with; undefined accepts any AS except 0 (e.g. dynamic neighbours). */
  readonly peerAs?: number;
  /** Our AS and BGP Identifier: with both, an internal peer with our identifier is 2/3 (RFC 6286 §2.2). */
  readonly localAs?: number;
  readonly localBgpId?: number;
  /** Smallest non-zero hold time accepted; RFC 4271 §6.2 lets an implementation reject more than 1 and 2. */
  readonly minHoldTime?: number;
}

/**
 * RFC 4271 §6.2 semantic checks, in the RFC's order, on a decoded OPEN. Returns the error to send (and the FSM
 * closes the session) or null when the OPEN is acceptable.
 */
export function validateOpen(open: OpenMessage, expect: OpenExpectations = {}): BgpError | null {
  if (open.version !== BGP_VERSION) {
    // RFC 4271 §6.2: data is the largest locally supported version below the peer's bid, or else our smallest:
    // with only version 4, that is always 4.
    return openError(OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER, `unsupported version ${open.version}`, new Uint8Array([0, BGP_VERSION]));
  }
  const peerAs = peerAsFromOpen(open);
  // RFC 7607 §3: AS 0 in an OPEN is a Bad Peer AS.
  if (peerAs === 0) return openError(OpenErrorSubcode.BAD_PEER_AS, 'peer AS 0');
  if (expect.peerAs !== undefined && peerAs !== expect.peerAs) {
    return openError(OpenErrorSubcode.BAD_PEER_AS, `peer AS ${peerAs}, expected ${expect.peerAs}`);
  }
  const minHold = Math.max(expect.minHoldTime ?? MIN_NONZERO_HOLD_TIME, MIN_NONZERO_HOLD_TIME);
  if (open.holdTime !== 0 && open.holdTime < minHold) {
    return openError(OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${open.holdTime} below ${minHold}`);
  }
  // RFC 6286 §2.2: any non-zero identifier is valid; an internal peer must not share ours.
  if (open.bgpIdentifier === 0) return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, 'BGP Identifier 0');
  if (expect.localBgpId !== undefined && expect.localAs !== undefined && peerAs === expect.localAs && open.bgpIdentifier === expect.localBgpId) {
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, 'internal peer uses our BGP Identifier');
  }
  return null;
}
