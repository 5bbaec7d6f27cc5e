// UPDATE (RFC 4271 §4.3, RFC 4760, RFC 7606): decode with RFC 7606 error handling, encode into one buffer,
// pack many prefixes sharing one attribute set into as few messages as fit, and End-of-RIB (RFC 4724 §2).
import { Afi, AttrType, ErrorCode, HEADER_LENGTH, HeaderErrorSubcode, MessageType, MinMessageLength, Safi, UpdateErrorSubcode } from './constants.js';
import { decodeAttributeSection, planAttributes } from './attributes/index.js';
import { attributeHeaderLength, EXTENDED_ATTRIBUTE_HEADER_LENGTH, OPTIONAL_NON_TRANSITIVE, writeAttributeHeader } from './attributes/codec.js';
import { encodeMpNextHop, mpReachPrefixLength, writeMpReachPrefix } from './attributes/mp.js';
import type { AttributeErrorLog } from './attribute-errors.js';
import { EncodeError } from './encode-error.js';
import { BgpError } from './errors.js';
import { maxMessageLength, writeHeader } from './header.js';
import { afiOf, decodeNlri, emptyNlri, familyOf, maxPrefixLength, PATH_ID_LENGTH, writePrefix } from './nlri.js';
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
  // RFC 4271 §6.3, kept by RFC 7606 §3 (b): field lengths that overrun the message are 3/1.
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
    checkMandatory(log, present, AttrType.ORIGIN, 'ORIGIN');
    checkMandatory(log, present, AttrType.AS_PATH, 'AS_PATH');
    if (nlri.count > 0) checkMandatory(log, present, AttrType.NEXT_HOP, 'NEXT_HOP');
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

function checkMandatory(log: AttributeErrorLog, present: number, type: number, name: string): void {
  if ((present & (1 << type)) === 0) {
    log.report(type, 'treat-as-withdraw', UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, `missing well-known attribute ${name}`);
  }
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

// UPDATEs are carved out of shared slabs rather than allocated one ArrayBuffer each: a full table is hundreds of
// thousands of small messages, and per-message backing stores made encoding mostly garbage-collector work. A message
// keeps at most its slab alive (as Node's Buffer pool does); large messages get a buffer of their own.
const SLAB_SIZE = 16 * 1024;
const MAX_SLAB_MESSAGE = SLAB_SIZE / 4;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/**
 * A zeroed UPDATE of `length` octets with its header written. The result may be a view into a shared buffer, so
 * consumers must honour byteOffset/byteLength (as for any Uint8Array).
 */
function allocateUpdate(length: number): Uint8Array {
  let out: Uint8Array;
  if (length > MAX_SLAB_MESSAGE) {
    out = new Uint8Array(length);
  } else {
    if (slabUsed + length > slab.byteLength) {
      slab = new ArrayBuffer(SLAB_SIZE);
      slabUsed = 0;
    }
    out = new Uint8Array(slab, slabUsed, length);
    slabUsed += length;
  }
  writeHeader(out, length, MessageType.UPDATE);
  return out;
}

/**
 * Encodes an UPDATE (header included) into one buffer sized up front. Like every encoder here, the result may be
 * a view into a buffer shared with other messages.
 */
export function encodeUpdate(update: UpdateMessage, ctx: CodecContext): Uint8Array {
  const ipv4AddPath = ctx.addPath.has('ipv4-unicast');
  checkList(update.withdrawn, Afi.IPV4, ipv4AddPath, 'withdrawn routes');
  checkList(update.nlri, Afi.IPV4, ipv4AddPath, 'NLRI');
  if (update.mpReach) checkList(update.mpReach.nlri, update.mpReach.afi, mpAddPath(update.mpReach, ctx), 'MP_REACH_NLRI');
  if (update.mpUnreach) checkList(update.mpUnreach.withdrawn, update.mpUnreach.afi, mpAddPath(update.mpUnreach, ctx), 'MP_UNREACH_NLRI');
  const plan = planAttributes({ attrs: update.attributes, mpReach: update.mpReach, mpUnreach: update.mpUnreach }, ctx);
  const length = HEADER_LENGTH + LENGTH_FIELD + update.withdrawn.bytes.length + LENGTH_FIELD + plan.length + update.nlri.bytes.length;
  checkSize(length, ctx);
  const out = allocateUpdate(length);
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

/**
 * Prefixes to pack: Prefix values, or the RIB's keys (rib/prefix.ts; nlriIpv4Key/nlriIpv6Key): an IPv4 key is
 * length * 2^32 + address, an IPv6 key a string of the length then eight 16-bit words. Keys are what the speaker
 * holds and pack several times faster than a million small Uint8Arrays.
 */
export type PackPrefixes = readonly Prefix[] | readonly number[] | readonly string[];

export interface PackOptions {
  /** MP_REACH_NLRI next hop, required for IPv6 unicast (RFC 4760 §3, RFC 2545 §3). */
  readonly nextHop?: string;
  readonly linkLocalNextHop?: string;
  /** RFC 7911 path identifiers, one per prefix, when ADD-PATH is on for the family (default 0). */
  readonly pathIds?: readonly number[];
}

/** RFC 4760 §4: AFI and SAFI, plus the extended attribute header of MP_UNREACH_NLRI itself. */
const MP_UNREACH_OVERHEAD = 3 + EXTENDED_ATTRIBUTE_HEADER_LENGTH;
const TWO_POW_32 = 0x1_0000_0000;

/** Sizes and writes the i-th prefix of a PackPrefixes, whatever its representation. */
interface PrefixWriter {
  readonly count: number;
  size(i: number): number;
  write(i: number, target: Uint8Array, pos: number): number;
}

function writePathId(target: Uint8Array, pos: number, id: number): number {
  target[pos] = id >>> 24;
  target[pos + 1] = (id >>> 16) & 0xff;
  target[pos + 2] = (id >>> 8) & 0xff;
  target[pos + 3] = id & 0xff;
  return pos + PATH_ID_LENGTH;
}

function prefixWriter(prefixes: PackPrefixes, afi: number, addPath: boolean, pathIds: readonly number[] | undefined): PrefixWriter {
  const idLength = addPath ? PATH_ID_LENGTH : 0;
  const maxLength = maxPrefixLength(afi);
  const first = prefixes[0];
  if (typeof first === 'number') {
    if (afi !== Afi.IPV4) throw new EncodeError('IPv4 prefix keys packed for a non-IPv4 family');
    const keys = prefixes as readonly number[];
    return {
      count: keys.length,
      size: (i) => {
        const length = Math.floor(keys[i]! / TWO_POW_32);
        if (!(length >= 0 && length <= maxLength)) throw new EncodeError(`IPv4 prefix key ${keys[i]} is not a prefix`);
        return idLength + 1 + ((length + 7) >> 3);
      },
      write: (i, target, pos) => {
        const key = keys[i]!;
        const length = Math.floor(key / TWO_POW_32);
        const address = key - length * TWO_POW_32;
        if (addPath) pos = writePathId(target, pos, pathIds?.[i] ?? 0);
        target[pos++] = length;
        const octets = (length + 7) >> 3;
        for (let o = 0; o < octets; o++) target[pos++] = (address >>> (24 - 8 * o)) & 0xff;
        return pos;
      },
    };
  }
  if (typeof first === 'string') {
    if (afi !== Afi.IPV6) throw new EncodeError('IPv6 prefix keys packed for a non-IPv6 family');
    const keys = prefixes as readonly string[];
    return {
      count: keys.length,
      size: (i) => {
        const length = keys[i]!.charCodeAt(0);
        if (!(length <= maxLength)) throw new EncodeError(`IPv6 prefix key of length ${length} is not a prefix`);
        return idLength + 1 + ((length + 7) >> 3);
      },
      write: (i, target, pos) => {
        const key = keys[i]!;
        const length = key.charCodeAt(0);
        if (addPath) pos = writePathId(target, pos, pathIds?.[i] ?? 0);
        target[pos++] = length;
        const octets = (length + 7) >> 3;
        for (let o = 0; o < octets; o++) {
          const word = key.charCodeAt(1 + (o >> 1));
          target[pos++] = o & 1 ? word & 0xff : word >>> 8;
        }
        return pos;
      },
    };
  }
  const values = prefixes as readonly Prefix[];
  return {
    count: values.length,
    size: (i) => {
      const p = values[i]!;
      if (p.afi !== afi) throw new EncodeError(`prefix of AFI ${p.afi} packed as AFI ${afi}`);
      if (!(p.length >= 0 && p.length <= maxLength)) throw new EncodeError(`prefix length ${p.length} outside 0..${maxLength}`);
      return idLength + 1 + ((p.length + 7) >> 3);
    },
    write: (i, target, pos) => {
      const p = values[i]!;
      return writePrefix(target, pos, pathIds ? { ...p, pathId: pathIds[i]! } : p, addPath);
    },
  };
}

// The shared attributes of a packing call are encoded once into this reused buffer and copied into each message;
// nothing keeps a reference to it past the call.
let attributeScratch = new Uint8Array(MAX_SLAB_MESSAGE);

function encodeAttributesToScratch(attributes: PathAttributes, ctx: CodecContext): Uint8Array {
  const plan = planAttributes({ attrs: attributes }, ctx);
  if (plan.length > attributeScratch.length) attributeScratch = new Uint8Array(plan.length);
  plan.write(attributeScratch, 0);
  return attributeScratch.subarray(0, plan.length);
}

/** Splits the prefixes into consecutive runs whose NLRI fits `room` octets; calls fn(from, to, nlriOctets) per run. */
function forEachBatch(writer: PrefixWriter, afi: number, addPath: boolean, room: number, fn: (from: number, to: number, nlriLength: number) => void): void {
  const maxEntry = (addPath ? PATH_ID_LENGTH : 0) + 1 + (afi === Afi.IPV4 ? 4 : 16);
  if (room < maxEntry) throw new EncodeError(`path attributes leave ${room} octets, too few for one prefix`);
  let from = 0;
  let size = 0;
  const count = writer.count;
  for (let i = 0; i < count; i++) {
    const entry = writer.size(i);
    if (size + entry > room) {
      fn(from, i, size);
      from = i;
      size = 0;
    }
    size += entry;
  }
  if (count > from) fn(from, count, size);
}

/**
 * Packs `prefixes` (all of `family`) sharing `attributes` into as few UPDATEs as fit the message size limit.
 * IPv4 unicast prefixes go into the NLRI field (attributes must include NEXT_HOP); IPv6 unicast ones into
 * MP_REACH_NLRI, placed first (RFC 7606 §5.1), with options.nextHop. The attributes are encoded once and copied.
 */
export function encodeUpdates(
  attributes: PathAttributes,
  prefixes: PackPrefixes,
  ctx: CodecContext,
  family: Family,
  options: PackOptions = {},
): Uint8Array[] {
  const addPath = ctx.addPath.has(family);
  const afi = afiOf(family);
  const writer = prefixWriter(prefixes, afi, addPath, options.pathIds);
  const attrBytes = encodeAttributesToScratch(attributes, ctx);
  const max = maxMessageLength(ctx);
  const out: Uint8Array[] = [];
  if (family === 'ipv4-unicast') {
    const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - attrBytes.length;
    forEachBatch(writer, afi, addPath, room, (from, to, nlriLength) => {
      const length = HEADER_LENGTH + 2 * LENGTH_FIELD + attrBytes.length + nlriLength;
      const msg = allocateUpdate(length);
      let pos = writeUint16(msg, HEADER_LENGTH, 0);
      pos = writeUint16(msg, pos, attrBytes.length);
      msg.set(attrBytes, pos);
      pos += attrBytes.length;
      for (let i = from; i < to; i++) pos = writer.write(i, msg, pos);
      out.push(msg);
    });
    return out;
  }
  if (options.nextHop === undefined) throw new EncodeError(`${family} UPDATEs need an MP_REACH_NLRI next hop`);
  // MP_REACH_NLRI goes first (RFC 7606 §5.1) and is written in place: its next hop is encoded once per call.
  const nextHop = encodeMpNextHop(afi, options.nextHop, options.linkLocalNextHop);
  const mpFixed = mpReachPrefixLength(nextHop);
  const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - attrBytes.length - EXTENDED_ATTRIBUTE_HEADER_LENGTH - mpFixed;
  forEachBatch(writer, afi, addPath, room, (from, to, nlriLength) => {
    const mpValue = mpFixed + nlriLength;
    const attributesLength = attributeHeaderLength(mpValue) + mpValue + attrBytes.length;
    const msg = allocateUpdate(HEADER_LENGTH + 2 * LENGTH_FIELD + attributesLength);
    let pos = writeUint16(msg, HEADER_LENGTH, 0);
    pos = writeUint16(msg, pos, attributesLength);
    pos = writeAttributeHeader(msg, pos, OPTIONAL_NON_TRANSITIVE, AttrType.MP_REACH_NLRI, mpValue);
    pos = writeMpReachPrefix(msg, pos, afi, Safi.UNICAST, nextHop);
    for (let i = from; i < to; i++) pos = writer.write(i, msg, pos);
    msg.set(attrBytes, pos);
    out.push(msg);
  });
  return out;
}

/** Packs withdrawals into as few UPDATEs as fit: the Withdrawn Routes field (IPv4) or MP_UNREACH_NLRI. */
export function encodeWithdrawals(prefixes: PackPrefixes, ctx: CodecContext, family: Family, options: Pick<PackOptions, 'pathIds'> = {}): Uint8Array[] {
  const addPath = ctx.addPath.has(family);
  const afi = afiOf(family);
  const writer = prefixWriter(prefixes, afi, addPath, options.pathIds);
  const max = maxMessageLength(ctx);
  const out: Uint8Array[] = [];
  const ipv4 = family === 'ipv4-unicast';
  const room = max - HEADER_LENGTH - 2 * LENGTH_FIELD - (ipv4 ? 0 : MP_UNREACH_OVERHEAD);
  forEachBatch(writer, afi, addPath, room, (from, to, nlriLength) => {
    const bytes = new Uint8Array(nlriLength);
    let p = 0;
    for (let i = from; i < to; i++) p = writer.write(i, bytes, p);
    const list: NlriList = { afi, safi: Safi.UNICAST, addPath, bytes, count: to - from };
    const parts: UpdateParts = ipv4 ? { withdrawn: list } : { mpUnreach: { afi, safi: Safi.UNICAST, withdrawn: list } };
    out.push(encodeUpdate(updateMessage(parts, ctx), ctx));
  });
  return out;
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
