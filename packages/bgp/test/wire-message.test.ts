import assert from 'node:assert/strict';
import {
  buildNlri,
  decodeMessage,
  DEFAULT_CODEC_CONTEXT,
  encodeMessage,
  EncodeError,
  maxLengthOfType,
  MessageType,
  parsePrefix,
  updateMessage,
  type CodecContext,
  type UpdateMessage,
} from '../src/wire/index.js';
import { expectBgpError, message, toHex } from './fixtures/wire-bytes.js';

const ctx = DEFAULT_CODEC_CONTEXT;
const extended: CodecContext = { ...DEFAULT_CODEC_CONTEXT, extendedMessage: true };

/** An UPDATE withdrawing `n` distinct /32s: 5 octets each, so its size is easy to steer. */
function bigWithdrawal(n: number): UpdateMessage {
  const prefixes = Array.from({ length: n }, (_, i) => parsePrefix(`10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}/32`));
  return updateMessage({ withdrawn: buildNlri(1, 1, prefixes, false) });
}

describe('wire: decodeMessage / encodeMessage dispatch', () => {
  it('hands UPDATEs to the UPDATE codec (End-of-RIB for IPv4 unicast, RFC 4724 §2)', () => {
    const m = decodeMessage(message(MessageType.UPDATE, '0000 0000'), ctx);
    assert.equal(m.type, 'update');
    assert.equal((m as UpdateMessage).nlri.count, 0);
    assert.equal(toHex(encodeMessage(m, ctx)), toHex(message(MessageType.UPDATE, '0000 0000')));
  });

  it('OPEN and KEEPALIVE stay at 4096 octets; the rest follow RFC 8654 (§4)', () => {
    assert.equal(maxLengthOfType(MessageType.OPEN, extended), 4096);
    assert.equal(maxLengthOfType(MessageType.KEEPALIVE, extended), 4096);
    assert.equal(maxLengthOfType(MessageType.UPDATE, extended), 65535);
    assert.equal(maxLengthOfType(MessageType.NOTIFICATION, extended), 65535);
    assert.equal(maxLengthOfType(MessageType.ROUTE_REFRESH, ctx), 4096);
  });

  it('an UPDATE above 4096 octets: encoded and decoded with extended messages, 1/2 without', () => {
    const update = bigWithdrawal(1500); // 19 + 4 + 7500 octets
    assert.throws(() => encodeMessage(update, ctx), EncodeError);
    const bytes = encodeMessage(update, extended);
    assert.equal(bytes.length, 19 + 4 + 7500);
    const back = decodeMessage(bytes, extended) as UpdateMessage;
    assert.equal(back.withdrawn.count, 1500);
    expectBgpError(() => decodeMessage(bytes, ctx), 1, 2, toHex(bytes.subarray(16, 18)));
  });

  it('refuses to encode a NOTIFICATION larger than the context allows', () => {
    const n = { type: 'notification' as const, code: 6, subcode: 0, data: new Uint8Array(5000) };
    assert.throws(() => encodeMessage(n, ctx), EncodeError);
    assert.equal(encodeMessage(n, extended).length, 21 + 5000);
  });

  it('refuses to encode an OPEN above 4096 octets even with extended messages', () => {
    const capabilities = Array.from({ length: 20 }, () => ({ kind: 'unknown' as const, code: 200, value: new Uint8Array(250) }));
    assert.throws(
      () => encodeMessage({ type: 'open', version: 4, myAs: 1, holdTime: 90, bgpIdentifier: 1, capabilities }, extended),
      EncodeError,
    );
  });

  it('does not modify its input', () => {
    const bytes = message(MessageType.NOTIFICATION, '06 02 02 6869');
    const before = toHex(bytes);
    decodeMessage(bytes, ctx);
    assert.equal(toHex(bytes), before);
  });
});
