import assert from 'node:assert/strict';
import {
  decodeMessage,
  DEFAULT_CODEC_CONTEXT,
  encodeKeepalive,
  encodeMessage,
  readHeaderLength,
  type CodecContext,
} from '../src/wire/index.js';
import { expectBgpError, hex, message, messageWithLength, toHex } from './fixtures/wire-bytes.js';

const ctx = DEFAULT_CODEC_CONTEXT;
const extended: CodecContext = { ...DEFAULT_CODEC_CONTEXT, extendedMessage: true };

describe('wire: message header (RFC 4271 §4.1, §6.1)', () => {
  it('KEEPALIVE is the bare header, both ways', () => {
    const bytes = message(4);
    assert.equal(toHex(bytes), 'ff'.repeat(16) + '001304');
    assert.deepEqual(decodeMessage(bytes, ctx), { type: 'keepalive' });
    assert.equal(toHex(encodeKeepalive()), toHex(bytes));
    assert.equal(toHex(encodeMessage({ type: 'keepalive' }, ctx)), toHex(bytes));
  });

  describe('Connection Not Synchronized (1/1)', () => {
    for (const at of [0, 7, 15]) {
      it(`a marker with octet ${at} not all ones`, () => {
        const bytes = message(4);
        bytes[at] = 0xfe;
        expectBgpError(() => decodeMessage(bytes, ctx), 1, 1, '');
      });
    }
    it('an all-zero marker (as RFC 1771 authentication would leave it)', () => {
      const bytes = message(4);
      bytes.fill(0, 0, 16);
      expectBgpError(() => decodeMessage(bytes, ctx), 1, 1);
    });
  });

  describe('Bad Message Length (1/2, data = the length field)', () => {
    it('a length field below 19', () => {
      expectBgpError(() => decodeMessage(messageWithLength(4, 18).subarray(0, 19), ctx), 1, 2, '0012');
      expectBgpError(() => decodeMessage(messageWithLength(4, 0), ctx), 1, 2, '0000');
    });
    it('a length field above 4096 without extended messages', () => {
      const bytes = messageWithLength(2, 4097, '00'.repeat(4078));
      expectBgpError(() => decodeMessage(bytes, ctx), 1, 2, '1001');
    });
    it('a length field that disagrees with the octets given', () => {
      expectBgpError(() => decodeMessage(messageWithLength(4, 20, '00').subarray(0, 19), ctx), 1, 2, '0014');
      expectBgpError(() => decodeMessage(messageWithLength(3, 21, '060200'), ctx), 1, 2, '0015');
    });
    it('fewer than 19 octets', () => {
      expectBgpError(() => decodeMessage(hex('ffff'), ctx), 1, 2);
    });
    it('KEEPALIVE of any length but 19', () => {
      expectBgpError(() => decodeMessage(message(4, '00'), ctx), 1, 2, '0014');
    });
    it('OPEN shorter than 29', () => {
      expectBgpError(() => decodeMessage(message(1, '04 fde8 00b4 0a000001'), ctx), 1, 2, '001c');
    });
    it('UPDATE shorter than 23', () => {
      expectBgpError(() => decodeMessage(message(2, '0000 00'), ctx), 1, 2, '0016');
    });
    it('NOTIFICATION shorter than 21', () => {
      expectBgpError(() => decodeMessage(message(3, '06'), ctx), 1, 2, '0014');
    });
    it('OPEN and KEEPALIVE above 4096 even with extended messages (RFC 8654 §4)', () => {
      const open = messageWithLength(1, 5000, '04 fde8 00b4 0a000001 00'.replace(/\s/g, '') + '00'.repeat(5000 - 29));
      expectBgpError(() => decodeMessage(open, extended), 1, 2, '1388');
      const ka = messageWithLength(4, 5000, '00'.repeat(5000 - 19));
      expectBgpError(() => decodeMessage(ka, extended), 1, 2, '1388');
    });
    it('anything above 65535 is impossible; 65535 passes the header check with extended messages', () => {
      const bytes = messageWithLength(3, 65535, '0600' + '00'.repeat(65535 - 21));
      const m = decodeMessage(bytes, extended);
      assert.equal(m.type, 'notification');
      expectBgpError(() => decodeMessage(bytes, ctx), 1, 2, 'ffff');
    });
  });

  describe('Bad Message Type (1/3, data = the type octet)', () => {
    for (const type of [0, 6, 128, 255]) {
      it(`type ${type}`, () => {
        expectBgpError(() => decodeMessage(message(type, '0000'), ctx), 1, 3, type.toString(16).padStart(2, '0'));
      });
    }
  });

  it('checks the marker before the length, and the length before the type', () => {
    const bytes = messageWithLength(9, 5);
    expectBgpError(() => decodeMessage(bytes, ctx), 1, 2);
    bytes[3] = 0;
    expectBgpError(() => decodeMessage(bytes, ctx), 1, 1);
  });

  it('readHeaderLength reads the length at an offset', () => {
    const buf = new Uint8Array(40);
    buf.set(message(4), 10);
    assert.equal(readHeaderLength(buf, 10, 4096), 19);
  });
});
