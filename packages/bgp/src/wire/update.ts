// UPDATE (RFC 4271 §4.3, RFC 4760, RFC 7606): decode with RFC 7606 error handling, encode into one buffer,
// pack many prefixes sharing one attribute set into as few messages as fit, and End-of-RIB (RFC 4724 §2).
import { Afi, AttrType, ErrorCode, HEADER_LENGTH, HeaderErrorSubcode, MessageType, MinMessageLength, Safi, UpdateErrorSubcode } from './constants.js';
import { decodeAttributeSection, encodeAttributes, planAttributes } from './attributes/index.js';
import { EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import { allocateMessage, maxMessageLength } from './header.js';
import { afiOf, decodeNlri, emptyNlri, encodedPrefixSize, familyOf, writePrefix } from './nlri.js';
import { formatIpv4At } from './address.js';
import type { AttributeError, CodecContext, Family, MpReach, MpUnreach, NlriList, PathAttributes, Prefix, UpdateMessage } from './types.js';

/** Withdrawn Routes Length and Total Path Attribute Length fields (RFC 4271 §4.3). */
const LENGTH_FIELD = 2;
const NO_ERRORS: readonly AttributeError[] = Object.freeze([]);

/**
 * Decodes an UPDATE. `message` is the whole message, header included, already checked by the dispatcher
 * (marker, length, type). Throws BgpError for errors that reset the session; every other attribute error is
 * reported in the result (RFC 7606).
 */
export function decodeUpdate(message: Uint8Array, ctx: CodecContext): UpdateMessage {
  const end = message.length;
  if (end < MinMessageLength.UPDATE) {
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderErrorSubcode.BAD_MESSAGE_LENGTH, `UPDATE of ${end} octets is below the minimum`, Uint8Array.of(end >>> 8, end & 0xff));
  }
  let pos = HEADER_LENGTH;
  const withdrawnLength = (message[pos]! << 8) | message[pos + 1]!;
  pos += LENGTH_FIELD;
  // RFC 4271 §6.3 (unchanged by RFC 7606 §3): field lengths that overrun the message are 3/1.
  if (pos + withdrawnLength + LENGTH_FIELD > end) throw malformedAttributeList(`Withdrawn Routes Length ${withdrawnLength} overruns the message`);
  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  const withdrawn = decodeNlri(message, pos, pos + withdrawnLength, Afi.IPV4, Safi.UNICAST, ipv4AddPath);
  pos += withdrawnLength;
  const attributesLength = (message[pos]! << 8) | message[pos + 1]!;
  pos += LENGTH_FIELD;
  if (pos + attributesLength > end) throw malformedAttributeList(`Total Path Attribute Length ${attributesLength} overruns the message`);
  const nlri = decodeNlri(message, pos + attributesLength, end, Afi.IPV4, Safi.UNICAST, ipv4AddPath);
  const decoded = decodeAttributeSection(message, pos, pos + attributesLength, ctx);
  const log = decoded.log;

  // RFC 4271 §5 and RFC 7606 §3 (d): ORIGIN and AS_PATH are mandatory with reachable NLRI, NEXT_HOP with NLRI in
  // the NLRI field (RFC 4760 §3: MP_REACH_NLRI carries its own). A missing one means treat-as-withdraw.
  const mpReach = decoded.mpReach;
  if (nlri.count > 0 || (mpReach !== undefined && mpReach.nlri.count > 0)) {
    const present = decoded.presentMask;
    const missing = (type: number, name: string): void => {
      if ((present & (1 << type)) === 0) {
        log.report(type, 'treat-as-withdraw', UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, `missing well-known attribute ${name}`);
      }
    };
    missing(AttrType.ORIGIN, 'ORIGIN');
    missing(AttrType.AS_PATH, 'AS_PATH');
    if (nlri.count > 0) missing(AttrType.NEXT_HOP, 'NEXT_HOP');
  }

  const update: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = {
    type: 'update',
    withdrawn,
    attributes: decoded.attrs,
    nlri,
    treatAsWithdraw: log.treatAsWithdraw,
    attributeErrors: log.errors ?? NO_ERRORS,
  };
  if (mpReach) update.mpReach = mpReach;
  if (decoded.mpUnreach) update.mpUnreach = decoded.mpUnreach;
  return update;
}

function malformedAttributeList(reason: string): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST, `Malformed Attribute List: ${reason}`);
}

/** The parts of an UPDATE to encode; missing lists are empty. */
export interface UpdateParts {
  readonly withdrawn?: NlriList;
  readonly attributes?: PathAttributes;
  readonly nlri?: NlriList;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

/** Builds an UpdateMessage value (for encoding and tests) with empty lists and no errors by default. */
export function updateMessage(parts: UpdateParts, ctx?: CodecContext): UpdateMessage {
  const addPath = ctx?.addPath.has('ipv4-unicast') ?? false;
  const update: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = {
    type: 'update',
    withdrawn: parts.withdrawn ?? emptyNlri(Afi.IPV4, Safi.UNICAST, addPath),
    attributes: parts.attributes ?? {},
    nlri: parts.nlri ?? emptyNlri(Afi.IPV4, Safi.UNICAST, addPath),
    treatAsWithdraw: false,
    attributeErrors: NO_ERRORS,
  };
  if (parts.mpReach) update.mpReach = parts.mpReach;
  if (parts.mpUnreach) update.mpUnreach = parts.mpUnreach;
  return update;
}

/** Encodes an UPDATE (header included) into one buffer sized up front. */
export function encodeUpdate(update: UpdateMessage, ctx: CodecContext): Uint8Array {
  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  checkList(update.withdrawn, Afi.IPV4, ipv4AddPath, 'withdrawn routes');
  checkList(update.nlri, Afi.IPV4, ipv4AddPath, 'NLRI');
  if (update.mpReach) checkList(update.mpReach.nlri, update.mpReach.afi, mpAddPath(update.mpReach, ctx), 'MP_REACH_NLRI');
  if (update.mpUnreach) checkList(update.mpUnreach.withdrawn, update.mpUnreach.afi, mpAddPath(update.mpUnreach, ctx), 'MP_UNREACH_NLRI');
  const plan = planAttributes({ attrs: update.attributes, mpReach: update.mpReach, mpUnreach: update.mpUnreach }, ctx);
  const length = HEADER_LENGTH + LENGTH_FIELD + update.withdrawn.bytes.length + LENGTH_FIELD + plan.length + update.nlri.bytes.length;
  checkSize(length, ctx);
  const out = allocateMessage(length, MessageType.UPDATE);
  let pos = writeUint16(out, HEADER_LENGTH, update.withdrawn.bytes.length);
  out.set(update.withdrawn.bytes, pos);
  pos = writeUint16(out, pos + update.withdrawn.bytes.length, plan.length);
  pos = plan.write(out, pos);
  out.set(update.nlri.bytes, pos);
  return out;
}

function mpAddPath(mp: { afi: number; safi: number }, ctx: CodecContext): boolean {
  const family = familyOf(mp.afi, mp.safi);
  return family !== undefined && ctx.addPath.has(family);
}

function checkList(list: NlriList, afi: number, addPath: boolean, what: string): void {
  if (list.afi !== afi) throw new EncodeError(`${what}: NLRI of AFI ${list.afi} where AFI ${afi} belongs`);
  if (list.count > 0 && list.addPath !== addPath) {
    throw new EncodeError(`${what}: NLRI built ${list.addPath ? 'with' : 'without'} ADD-PATH path identifiers, context says otherwise`);
  }
}

function checkSize(length: number, ctx: CodecContext): void {
  const max = maxMessageLength(ctx);
  if (length > max) throw new EncodeError(`UPDATE of ${length} octets exceeds the ${max}-octet limit`);
}

function writeUint16(target: Uint8Array, pos: number, value: number): number {
  target[pos] = value >>> 8;
  target[pos + 1] = value & 0xff;
  return pos + LENGTH_FIELD;
}

// ---------------------------------------------------------------------------------------------------------------
// Packing

/** The IPv6 (or RFC 8950) next hop that goes into MP_REACH_NLRI when packing a non-IPv4-NLRI family. */
export interface MpNextHop {
  readonly nextHop: string;
  readonly linkLocalNextHop?: string;
}

/** RFC 4760 §3: AFI, SAFI, next hop length, reserved; plus the extended attribute header of MP_REACH itself. */
const MP_REACH_OVERHEAD = 5 + 4;
const MP_UNREACH_OVERHEAD = 3 + 4;
const IPV6_NEXT_HOP = 16;
const IPV6_NEXT_HOP_WITH_LINK_LOCAL = 32;

/**
 * Packs `prefixes` (all of `family`) sharing `attributes` into as few UPDATEs as fit the message size limit.
 * IPv4 unicast prefixes go into the NLRI field (attributes must include NEXT_HOP); IPv6 unicast ones into
 * MP_REACH_NLRI, placed first (RFC 7606 §5.1), with `mpNextHop`. The attributes are encoded once and copied.
 */
export function encodeUpdates(
  attributes: PathAttributes,
  prefixes: readonly Prefix[],
  ctx: CodecContext,
  family: Family,
  mpNextHop?: MpNextHop,
): Uint8Array[] {
  const addPath = ctx.addPath.has(family);
  const afi = afiOf(family);
  const attrBytes = encodeAttributes(attributes, ctx);
  const max = maxMessageLength(ctx);
  const out: Uint8Array[] = [];
  if (family === 'ipv4-unicast') {
    const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - attrBytes.length;
    forEachBatch(prefixes, afi, addPath, room, (from, to, nlriLength) => {
      const length = HEADER_LENGTH + 2 * LENGTH_FIELD + attrBytes.length + nlriLength;
      const msg = allocateMessage(length, MessageType.UPDATE);
      let pos = writeUint16(msg, HEADER_LENGTH, 0);
      pos = writeUint16(msg, pos, attrBytes.length);
      msg.set(attrBytes, pos);
      pos += attrBytes.length;
      for (let i = from; i < to; i++) pos = writePrefix(msg, pos, prefixes[i]!, addPath);
      out.push(msg);
    });
    return out;
  }
  if (!mpNextHop) throw new EncodeError(`${family} UPDATEs need an MP_REACH_NLRI next hop`);
  const nextHopLength = mpNextHop.linkLocalNextHop !== undefined ? IPV6_NEXT_HOP_WITH_LINK_LOCAL : IPV6_NEXT_HOP;
  const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - attrBytes.length - MP_REACH_OVERHEAD - nextHopLength;
  forEachBatch(prefixes, afi, addPath, room, (from, to, nlriLength) => {
    const nlri: NlriList = { afi, safi: Safi.UNICAST, addPath, bytes: new Uint8Array(nlriLength), count: to - from };
    let p = 0;
    for (let i = from; i < to; i++) p = writePrefix(nlri.bytes, p, prefixes[i]!, addPath);
    const mpReach: MpReach = { afi, safi: Safi.UNICAST, ...mpNextHop, nlri };
    const plan = planAttributes({ attrs: {}, mpReach }, ctx);
    const length = HEADER_LENGTH + 2 * LENGTH_FIELD + plan.length + attrBytes.length;
    const msg = allocateMessage(length, MessageType.UPDATE);
    let pos = writeUint16(msg, HEADER_LENGTH, 0);
    pos = writeUint16(msg, pos, plan.length + attrBytes.length);
    pos = plan.write(msg, pos);
    msg.set(attrBytes, pos);
    out.push(msg);
  });
  return out;
}

/** Packs withdrawals of `prefixes` into as few UPDATEs as fit: the Withdrawn Routes field or MP_UNREACH_NLRI. */
export function encodeWithdrawals(prefixes: readonly Prefix[], ctx: CodecContext, family: Family): Uint8Array[] {
  const addPath = ctx.addPath.has(family);
  const afi = afiOf(family);
  const max = maxMessageLength(ctx);
  const out: Uint8Array[] = [];
  const ipv4 = family === 'ipv4-unicast';
  const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - (ipv4 ? 0 : MP_UNREACH_OVERHEAD);
  forEachBatch(prefixes, afi, addPath, room, (from, to, nlriLength) => {
    const bytes = new Uint8Array(nlriLength);
    let p = 0;
    for (let i = from; i < to; i++) p = writePrefix(bytes, p, prefixes[i]!, addPath);
    const list: NlriList = { afi, safi: Safi.UNICAST, addPath, bytes, count: to - from };
    out.push(encodeUpdate(ipv4 ? updateMessage({ withdrawn: list }) : updateMessage({ mpUnreach: { afi, safi: Safi.UNICAST, withdrawn: list } }), ctx));
  });
  return out;
}

/** Splits prefixes into consecutive runs whose NLRI fits `room` octets; calls fn(from, to, nlriOctets) per run. */
function forEachBatch(
  prefixes: readonly Prefix[],
  afi: number,
  addPath: boolean,
  room: number,
  fn: (from: number, to: number, nlriLength: number) => void,
): void {
  const maxEntry = (addPath ? 4 : 0) + 1 + (afi === Afi.IPV4 ? 4 : 16);
  if (room < maxEntry) throw new EncodeError(`path attributes leave ${room} octets, too few for one prefix`);
  let from = 0;
  let size = 0;
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    if (p.afi !== afi) throw new EncodeError(`prefix of AFI ${p.afi} packed as AFI ${afi}`);
    const entry = encodedPrefixSize(p, addPath);
    if (size + entry > room) {
      fn(from, i, size);
      from = i;
      size = 0;
    }
    size += entry;
  }
  if (prefixes.length > from) fn(from, prefixes.length, size);
}

// ---------------------------------------------------------------------------------------------------------------
// End-of-RIB (RFC 4724 §2)

/**
 * The family an UPDATE marks End-of-RIB for, or undefined. IPv4 unicast: an UPDATE with nothing in it (minimum
 * length); other families: only an MP_UNREACH_NLRI with no withdrawn routes.
 */
export function endOfRibFamily(update: UpdateMessage): Family | undefined {
  if (update.withdrawn.count !== 0 || update.nlri.count !== 0 || update.mpReach !== undefined) return undefined;
  if (update.attributeErrors.length !== 0 || update.treatAsWithdraw) return undefined;
  if (!isEmptyAttributes(update.attributes)) return undefined;
  if (update.mpUnreach === undefined) return 'ipv4-unicast';
  if (update.mpUnreach.withdrawn.count !== 0) return undefined;
  return familyOf(update.mpUnreach.afi, update.mpUnreach.safi);
}

function isEmptyAttributes(attrs: PathAttributes): boolean {
  for (const key in attrs) if (attrs[key as keyof PathAttributes] !== undefined) return false;
  return true;
}

/** Encodes the End-of-RIB marker for `family`. */
export function endOfRib(family: Family, ctx: CodecContext): Uint8Array {
  if (family === 'ipv4-unicast') return encodeUpdate(updateMessage({}, ctx), ctx);
  const afi = afiOf(family);
  return encodeUpdate(updateMessage({ mpUnreach: { afi, safi: Safi.UNICAST, withdrawn: emptyNlri(afi, Safi.UNICAST, ctx.addPath.has(family)) } }, ctx), ctx);
}

/** Dotted-quad text of an unsigned 32-bit id (ORIGINATOR_ID, CLUSTER_LIST entries) for logs and APIs. */
export function formatRouterId(id: number): string {
  return formatIpv4At(Uint8Array.of(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff), 0);
}
