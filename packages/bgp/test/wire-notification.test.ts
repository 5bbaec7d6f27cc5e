import assert from 'node:assert/strict';
import {
  CeaseSubcode,
  decodeMessage,
  DEFAULT_CODEC_CONTEXT,
  describeNotification,
  encodeMessage,
  encodeNotification,
  EncodeError,
  ErrorCode,
  BgpError,
  notification,
  notificationFromError,
  shutdownNotification,
  type NotificationMessage,
} from '../src/wire/index.js';
import { expectBgpError, hex, message, messageWithLength, toHex } from './fixtures/wire-bytes.js';

const ctx = DEFAULT_CODEC_CONTEXT;
const NOTIFICATION = 3;

function decodeN(bytes: Uint8Array): NotificationMessage {
  const m = decodeMessage(bytes, ctx);
  assert.equal(m.type, 'notification');
  return m as NotificationMessage;
}

describe('wire: NOTIFICATION (RFC 4271 §4.5)', () => {
  it('decodes code, subcode and data, and encodes them back byte for byte', () => {
    const bytes = message(NOTIFICATION, '02 02 fde8');
    const m = decodeN(bytes);
    assert.deepEqual(m, { type: 'notification', code: 2, subcode: 2, data: hex('fde8') });
    assert.equal(toHex(encodeMessage(m, ctx)), toHex(bytes));
  });

  it('decodes a NOTIFICATION without data (minimum length 21)', () => {
    assert.deepEqual(decodeN(message(NOTIFICATION, '04 00')), { type: 'notification', code: 4, subcode: 0, data: hex('') });
  });

  it('copies the data so the read buffer can be reused', () => {
    const bytes = message(NOTIFICATION, '01 02 0fff');
    const m = decodeN(bytes);
    bytes[21] = 0;
    assert.equal(toHex(m.data), '0fff');
  });

  it('a NOTIFICATION shorter than 21 octets is 1/2 with the length field', () => {
    expectBgpError(() => decodeMessage(message(NOTIFICATION, '06'), ctx), 1, 2, '0014');
    expectBgpError(() => decodeMessage(messageWithLength(NOTIFICATION, 19), ctx), 1, 2, '0013');
  });

  it('keeps unknown codes and subcodes (they are reported, not errors)', () => {
    assert.deepEqual(decodeN(message(NOTIFICATION, 'c8 63 01')), { type: 'notification', code: 200, subcode: 99, data: hex('01') });
  });

  describe('RFC 9003 shutdown communication', () => {
    it('decodes a Cease/Administrative Shutdown communication', () => {
      const text = 'maintenance, back at 14:00';
      const bytes = message(NOTIFICATION, `06 02 ${text.length.toString(16).padStart(2, '0')} ${toHex(Buffer.from(text))}`);
      const m = decodeN(bytes);
      assert.equal(m.shutdownCommunication, text);
      assert.equal(m.data.length, 1 + text.length);
      assert.equal(toHex(encodeMessage(m, ctx)), toHex(bytes));
    });

    it('decodes UTF-8 on Administrative Reset', () => {
      const text = 'Wartung läuft — 🛠';
      const utf8 = Buffer.from(text);
      const m = decodeN(message(NOTIFICATION, `06 04 ${utf8.length.toString(16).padStart(2, '0')} ${utf8.toString('hex')}`));
      assert.equal(m.shutdownCommunication, text);
    });

    it('ignores communications on other subcodes', () => {
      assert.equal(decodeN(message(NOTIFICATION, `06 03 02 6869`)).shutdownCommunication, undefined);
      assert.equal(decodeN(message(NOTIFICATION, `02 02 02 6869`)).shutdownCommunication, undefined);
    });

    const malformed: Array<[string, string]> = [
      ['a length overrunning the data', '05 6869'],
      ['invalid UTF-8', '02 c328'],
      ['a truncated multi-byte character', '02 e282'],
      ['a zero length (no communication)', '00'],
    ];
    for (const [name, dataHex] of malformed) {
      it(`decodes ${name} with the data kept and no communication (RFC 9003 §4)`, () => {
        const m = decodeN(message(NOTIFICATION, `06 02 ${dataHex}`));
        assert.equal(m.shutdownCommunication, undefined);
        assert.equal(toHex(m.data), dataHex.replace(/\s+/g, ''));
      });
    }

    it('shutdownNotification encodes length + UTF-8', () => {
      const bytes = shutdownNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'bye');
      assert.equal(toHex(bytes), toHex(message(NOTIFICATION, '06 02 03 627965')));
    });

    it('shutdownNotification cuts to 255 octets at a character boundary', () => {
      const text = 'é'.repeat(200); // 400 octets of UTF-8
      const m = decodeN(shutdownNotification(CeaseSubcode.ADMINISTRATIVE_RESET, text));
      assert.equal(m.data[0], 254, 'an odd 255th octet would split a character');
      assert.equal(m.shutdownCommunication, 'é'.repeat(127));
    });

    it('encodes a message that carries only the text', () => {
      const bytes = encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0), shutdownCommunication: 'hi' });
      assert.equal(toHex(bytes), toHex(message(NOTIFICATION, '06 02 02 6869')));
      assert.throws(() => encodeNotification({ code: 6, subcode: 3, data: new Uint8Array(0), shutdownCommunication: 'hi' }), EncodeError);
    });
  });

  describe('helpers', () => {
    it('notification() builds a whole message', () => {
      assert.equal(toHex(notification(1, 3, hex('09'))), toHex(message(NOTIFICATION, '01 03 09')));
      assert.equal(toHex(notification(4, 0)), toHex(message(NOTIFICATION, '04 00')));
    });

    it('notification() cuts data so the message fits 4096 octets', () => {
      const bytes = notification(7, 1, new Uint8Array(5000));
      assert.equal(bytes.length, 4096);
      assert.equal((bytes[16]! << 8) | bytes[17]!, 4096);
      assert.equal(notification(7, 1, new Uint8Array(5000), 65535).length, 21 + 5000);
    });

    it('notificationFromError() carries code, subcode and data of a BgpError', () => {
      const err = new BgpError(1, 2, 'bad length', hex('1000'));
      assert.equal(toHex(notificationFromError(err)), toHex(message(NOTIFICATION, '01 02 1000')));
    });

    it('refuses codes that do not fit an octet', () => {
      assert.throws(() => notification(256, 0), EncodeError);
    });
  });

  describe('describeNotification names every code and subcode', () => {
    const expected: Array<[number, number, string]> = [
      [1, 1, 'Message Header Error / Connection Not Synchronized'],
      [1, 2, 'Message Header Error / Bad Message Length'],
      [1, 3, 'Message Header Error / Bad Message Type'],
      [2, 0, 'OPEN Message Error / Unspecific'],
      [2, 1, 'OPEN Message Error / Unsupported Version Number'],
      [2, 2, 'OPEN Message Error / Bad Peer AS'],
      [2, 3, 'OPEN Message Error / Bad BGP Identifier'],
      [2, 4, 'OPEN Message Error / Unsupported Optional Parameter'],
      [2, 5, 'OPEN Message Error / Authentication Failure (deprecated)'],
      [2, 6, 'OPEN Message Error / Unacceptable Hold Time'],
      [2, 7, 'OPEN Message Error / Unsupported Capability'],
      [2, 11, 'OPEN Message Error / Role Mismatch'],
      [3, 1, 'UPDATE Message Error / Malformed Attribute List'],
      [3, 2, 'UPDATE Message Error / Unrecognized Well-known Attribute'],
      [3, 3, 'UPDATE Message Error / Missing Well-known Attribute'],
      [3, 4, 'UPDATE Message Error / Attribute Flags Error'],
      [3, 5, 'UPDATE Message Error / Attribute Length Error'],
      [3, 6, 'UPDATE Message Error / Invalid ORIGIN Attribute'],
      [3, 7, 'UPDATE Message Error / AS Routing Loop (deprecated)'],
      [3, 8, 'UPDATE Message Error / Invalid NEXT_HOP Attribute'],
      [3, 9, 'UPDATE Message Error / Optional Attribute Error'],
      [3, 10, 'UPDATE Message Error / Invalid Network Field'],
      [3, 11, 'UPDATE Message Error / Malformed AS_PATH'],
      [4, 0, 'Hold Timer Expired / Unspecific'],
      [5, 0, 'Finite State Machine Error / Unspecific'],
      [5, 1, 'Finite State Machine Error / Receive Unexpected Message in OpenSent State'],
      [5, 2, 'Finite State Machine Error / Receive Unexpected Message in OpenConfirm State'],
      [5, 3, 'Finite State Machine Error / Receive Unexpected Message in Established State'],
      [6, 1, 'Cease / Maximum Number of Prefixes Reached'],
      [6, 2, 'Cease / Administrative Shutdown'],
      [6, 3, 'Cease / Peer De-configured'],
      [6, 4, 'Cease / Administrative Reset'],
      [6, 5, 'Cease / Connection Rejected'],
      [6, 6, 'Cease / Other Configuration Change'],
      [6, 7, 'Cease / Connection Collision Resolution'],
      [6, 8, 'Cease / Out of Resources'],
      [6, 9, 'Cease / Hard Reset'],
      [6, 10, 'Cease / BFD Down'],
      [7, 1, 'ROUTE-REFRESH Message Error / Invalid Message Length'],
      [8, 0, 'Send Hold Timer Expired / Unspecific'],
      [9, 1, 'Unknown error code 9 / unknown subcode 1'],
      [6, 77, 'Cease / unknown subcode 77'],
    ];
    for (const [code, subcode, name] of expected) {
      it(`${code}/${subcode}`, () => assert.equal(describeNotification(code, subcode), name));
    }
    it('uses the named constants', () => {
      assert.equal(describeNotification(ErrorCode.CEASE, CeaseSubcode.HARD_RESET), 'Cease / Hard Reset');
    });
  });
});
