// Builders for hand-made UPDATEs in the codec tests: attributes and fields as raw octets, so malformed input can be
// written exactly as a misbehaving peer would send it.
import assert from 'node:assert/strict';
import { decodeUpdate, prefixesOf, formatPrefix, type CodecContext, type NlriList, type UpdateMessage } from '../src/wire/index.js';

export const CTX2: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };
export const CTX4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

type Octets = Uint8Array | readonly number[];

function concat(parts: readonly Octets[]): number[] {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return out;
}

/** One path attribute: flags, type, a 1- or 2-octet length (by the Extended Length bit, 0x10), value. */
export function attr(flags: number, type: number, value: Octets = []): Uint8Array {
  const length = value.length;
  const header = flags & 0x10 ? [flags, type, length >> 8, length & 0xff] : [flags, type, length];
  return Uint8Array.from([...header, ...value]);
}

/** An attribute header whose length field says `length` whatever follows (for overrun tests). */
export function attrWithLength(flags: number, type: number, length: number, value: Octets = []): Uint8Array {
  const header = flags & 0x10 ? [flags, type, length >> 8, length & 0xff] : [flags, type, length];
  return Uint8Array.from([...header, ...value]);
}

export const ORIGIN_IGP = attr(0x40, 1, [0]);
/** AS_PATH with one AS_SEQUENCE of 2-octet ASNs 65001 65002. */
export const AS_PATH_2 = attr(0x40, 2, [2, 2, 0xfd, 0xe9, 0xfd, 0xea]);
/** The same AS_PATH as 4-octet ASNs. */
export const AS_PATH_4 = attr(0x40, 2, [2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea]);
export const NEXT_HOP = attr(0x40, 3, [192, 0, 2, 1]);
/** 10.0.0.0/8 and 192.168.1.0/24. */
export const NLRI_TWO = [8, 10, 24, 192, 168, 1];

export interface RawUpdate {
  readonly withdrawn?: Octets;
  readonly attributes?: readonly Octets[];
  readonly nlri?: Octets;
  /** Override the Withdrawn Routes Length field. */
  readonly withdrawnLength?: number;
  /** Override the Total Path Attribute Length field. */
  readonly attributesLength?: number;
}

/** A whole UPDATE message with header; lengths computed unless overridden. */
export function rawUpdate(parts: RawUpdate): Uint8Array {
  const withdrawn = [...(parts.withdrawn ?? [])];
  const attrs = concat(parts.attributes ?? []);
  const nlri = [...(parts.nlri ?? [])];
  const wl = parts.withdrawnLength ?? withdrawn.length;
  const al = parts.attributesLength ?? attrs.length;
  const body = [wl >> 8, wl & 0xff, ...withdrawn, al >> 8, al & 0xff, ...attrs, ...nlri];
  const length = 19 + body.length;
  return Uint8Array.from([...new Array<number>(16).fill(0xff), length >> 8, length & 0xff, 2, ...body]);
}

/** Decodes and returns the update plus its prefixes as text. */
export function decode(parts: RawUpdate, ctx: CodecContext = CTX2): UpdateMessage {
  return decodeUpdate(rawUpdate(parts), ctx);
}

export function texts(list: NlriList | undefined): string[] {
  return list ? prefixesOf(list).map(formatPrefix) : [];
}

/** Asserts the exact RFC 7606 errors recorded: [typeCode, action, subcode] each. */
export function assertErrors(update: UpdateMessage, expected: ReadonlyArray<readonly [number, string, number]>): void {
  assert.deepEqual(
    update.attributeErrors.map((e) => [e.typeCode, e.action, e.subcode]),
    expected.map((e) => [...e]),
    update.attributeErrors.map((e) => e.reason).join('; '),
  );
}
