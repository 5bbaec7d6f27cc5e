import assert from 'node:assert/strict';
import {
  AS_TRANS,
  decodeMessage,
  decodeOpen,
  DEFAULT_CODEC_CONTEXT,
  encodeMessage,
  encodeOpen,
  EncodeError,
  openMyAs,
  peerAsFromOpen,
  validateOpen,
  type Capability,
  type OpenMessage,
} from '../src/wire/index.js';
import { expectBgpError, hex, message, toHex } from './fixtures/wire-bytes.js';

const ctx = DEFAULT_CODEC_CONTEXT;
const OPEN = 1;

// version 4, AS 65000, hold 180, BGP ID 10.0.0.1
const FIXED = '04 fde8 00b4 0a000001';

function open(capabilities: Capability[], over: Partial<OpenMessage> = {}): OpenMessage {
  return { type: 'open', version: 4, myAs: 65000, holdTime: 180, bgpIdentifier: 0x0a000001, capabilities, ...over };
}

describe('wire: OPEN (RFC 4271 §4.2)', () => {
  it('decodes an OPEN without optional parameters', () => {
    assert.deepEqual(decodeMessage(message(OPEN, FIXED + '00'), ctx), open([]));
  });

  it('decodes the exact bytes of an OPEN with multiprotocol + 4-octet AS, and encodes them back', () => {
    const bytes = message(OPEN, `${FIXED} 14 02 12 01 04 0001 00 01 01 04 0002 00 01 41 04 00010000`);
    const expected = open([
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'four-octet-as', asn: 65536 },
    ]);
    assert.deepEqual(decodeMessage(bytes, ctx), expected);
    assert.equal(toHex(encodeMessage(expected, ctx)), toHex(bytes));
  });

  it('decodes capabilities spread over several parameters, one capability each (RFC 5492 §4)', () => {
    const bytes = message(OPEN, `${FIXED} 12 02 06 01 04 0001 00 01 02 02 02 00 02 04 46 00 06 00`);
    assert.deepEqual(decodeMessage(bytes, ctx), open([{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }]));
  });

  it('reads the BGP Identifier as an unsigned 32-bit number', () => {
    const m = decodeOpen(message(OPEN, '04 fde8 00b4 ffffffff 00'));
    assert.equal(m.bgpIdentifier, 0xffffffff);
  });

  describe('RFC 9072 extended optional parameters length', () => {
    it('decodes the extended form (Non-Ext OP Len 255, type 255, 2-octet lengths)', () => {
      const bytes = message(OPEN, `${FIXED} ff ff 0009 02 0006 41 04 fa56ea01`);
      assert.deepEqual(decodeMessage(bytes, ctx), open([{ kind: 'four-octet-as', asn: 4200000001 }]));
    });

    it('uses the extended form whenever the first type is 255, whatever Non-Ext OP Len says (§3)', () => {
      const bytes = message(OPEN, `${FIXED} 01 ff 0009 02 0006 41 04 fa56ea01`);
      assert.deepEqual(decodeOpen(bytes).capabilities, [{ kind: 'four-octet-as', asn: 4200000001 }]);
    });

    it('encodes the classic form when the parameters fit 255 octets', () => {
      // 4-octet AS (6) + 41 unknown capabilities of 4 octets (2+4 each = 246): 252 octets + parameter header 2 = 254.
      const caps: Capability[] = [{ kind: 'four-octet-as', asn: 65001 }];
      for (let i = 0; i < 41; i++) caps.push({ kind: 'unknown', code: 200, value: hex('01020304') });
      const bytes = encodeOpen(open(caps));
      assert.equal(bytes[28], 254, 'classic Optional Parameters Length');
      assert.equal(bytes[29], 2, 'a Capabilities parameter, not the RFC 9072 marker');
      assert.deepEqual(decodeOpen(bytes), open(caps));
    });

    it('encodes the extended form when they do not, and decodes it back', () => {
      const caps: Capability[] = [{ kind: 'four-octet-as', asn: 65001 }];
      for (let i = 0; i < 50; i++) caps.push({ kind: 'unknown', code: 200, value: hex('01020304') });
      const bytes = encodeOpen(open(caps));
      const capsLength = 6 + 50 * 6;
      assert.equal(toHex(bytes.subarray(28, 35)), `ffff${(capsLength + 3).toString(16).padStart(4, '0')}02${capsLength.toString(16).padStart(4, '0')}`);
      assert.equal(bytes.length, 29 + 3 + 3 + capsLength);
      assert.deepEqual(decodeMessage(bytes, ctx), open(caps));
    });

    it('rejects a truncated extended length as 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} ff ff 00`), ctx), 2, 0, '');
    });

    it('rejects an extended length that disagrees with the message as 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} ff ff 000a 02 0006 41 04 fa56ea01`), ctx), 2, 0, '');
    });

    it('rejects an extended parameter that overruns the parameters as 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} ff ff 0009 02 0007 41 04 fa56ea01`), ctx), 2, 0, '');
    });
  });

  describe('malformed optional parameters', () => {
    it('Optional Parameters Length longer than the message: 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 09 02 06 41 04 00010000`), ctx), 2, 0, '');
    });
    it('Optional Parameters Length shorter than the message: 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 07 02 06 41 04 00010000`), ctx), 2, 0, '');
    });
    it('a parameter length overrunning the parameters: 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 08 02 07 41 04 00010000`), ctx), 2, 0, '');
    });
    it('a truncated parameter header: 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 01 02`), ctx), 2, 0, '');
    });
    it('a malformed capability inside a parameter: 2/0', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 08 02 06 41 03 000100 00`), ctx), 2, 0, '');
    });
    it('an unsupported optional parameter (deprecated authentication, type 1): 2/4 (RFC 4271 §6.2)', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 04 01 02 abcd`), ctx), 2, 4);
    });
    it('an unsupported parameter after a good one is still 2/4', () => {
      expectBgpError(() => decodeMessage(message(OPEN, `${FIXED} 06 02 02 02 00 07 00`), ctx), 2, 4);
    });
  });

  it('encodes other optional parameters after the capabilities (for tests sending odd OPENs)', () => {
    const bytes = encodeOpen({ ...open([{ kind: 'route-refresh' }]), otherParameters: [{ type: 1, value: hex('abcd') }] });
    assert.equal(toHex(bytes.subarray(28)), '08' + '02020200' + '0102abcd');
    expectBgpError(() => decodeOpen(bytes), 2, 4);
  });

  it('refuses to encode fields that do not fit', () => {
    assert.throws(() => encodeOpen(open([], { myAs: 65536 })), EncodeError);
    assert.throws(() => encodeOpen(open([], { holdTime: -1 })), EncodeError);
    assert.throws(() => encodeOpen(open([], { bgpIdentifier: 2 ** 32 })), EncodeError);
    assert.throws(() => encodeOpen({ ...open([]), otherParameters: [{ type: 255, value: hex('') }] }), EncodeError);
  });

  it('decodes only the fixed fields of a version it does not speak, leaving the error to validateOpen', () => {
    const m = decodeMessage(message(OPEN, '03 fde8 00b4 0a000001 05 ffffffffff'), ctx);
    assert.deepEqual(m, open([], { version: 3 }));
  });
});

describe('wire: OPEN helpers', () => {
  it('openMyAs uses AS_TRANS for ASNs above 65535 (RFC 6793 §4.2.1)', () => {
    assert.equal(openMyAs(65000), 65000);
    assert.equal(openMyAs(65535), 65535);
    assert.equal(openMyAs(65536), AS_TRANS);
    assert.equal(openMyAs(4200000001), 23456);
  });

  it('peerAsFromOpen prefers the 4-octet AS capability', () => {
    assert.equal(peerAsFromOpen(open([])), 65000);
    assert.equal(peerAsFromOpen(open([{ kind: 'four-octet-as', asn: 4200000001 }], { myAs: AS_TRANS })), 4200000001);
    assert.equal(peerAsFromOpen(open([{ kind: 'four-octet-as', asn: 65000 }])), 65000);
  });
});

describe('wire: validateOpen (RFC 4271 §6.2)', () => {
  function expectError(result: ReturnType<typeof validateOpen>, code: number, subcode: number, dataHex = ''): void {
    assert.ok(result, 'expected an error');
    assert.equal(`${result.code}/${result.subcode}`, `${code}/${subcode}`, result.message);
    assert.equal(toHex(result.data), dataHex);
  }

  it('accepts a good OPEN', () => {
    assert.equal(validateOpen(open([]), { peerAs: 65000 }), null);
    assert.equal(validateOpen(open([{ kind: 'four-octet-as', asn: 4200000001 }], { myAs: AS_TRANS }), { peerAs: 4200000001 }), null);
    assert.equal(validateOpen(open([], { holdTime: 0 }), { peerAs: 65000 }), null, 'hold time 0 disables keepalives');
    assert.equal(validateOpen(open([], { holdTime: 3 }), {}), null);
  });

  it('unsupported version: 2/1 with data = 2-octet largest supported version', () => {
    expectError(validateOpen(open([], { version: 3 })), 2, 1, '0004');
    expectError(validateOpen(open([], { version: 5 })), 2, 1, '0004');
    // End to end from bytes: the decoder leaves the version to validateOpen.
    expectError(validateOpen(decodeOpen(message(OPEN, '05 fde8 00b4 0a000001 00'))), 2, 1, '0004');
  });

  it('bad peer AS: 2/2', () => {
    expectError(validateOpen(open([]), { peerAs: 65001 }), 2, 2);
    expectError(validateOpen(open([], { myAs: 0 })), 2, 2);
    expectError(validateOpen(open([{ kind: 'four-octet-as', asn: 0 }])), 2, 2);
    // 4-octet capability wins: My AS matches but the real AS does not.
    expectError(validateOpen(open([{ kind: 'four-octet-as', asn: 4200000001 }]), { peerAs: 65000 }), 2, 2);
    // A 4-octet AS peer that does not announce the capability cannot prove its AS.
    expectError(validateOpen(open([], { myAs: AS_TRANS }), { peerAs: 4200000001 }), 2, 2);
  });

  it('unacceptable hold time of 1 or 2 seconds: 2/6', () => {
    expectError(validateOpen(open([], { holdTime: 1 })), 2, 6);
    expectError(validateOpen(open([], { holdTime: 2 })), 2, 6);
    expectError(validateOpen(open([], { holdTime: 5 }), { minHoldTime: 9 }), 2, 6);
  });

  it('bad BGP Identifier: 2/3 for zero, and for an internal peer using ours (RFC 6286 §2.2)', () => {
    expectError(validateOpen(open([], { bgpIdentifier: 0 })), 2, 3);
    const ours = { localAs: 65000, localBgpId: 0x0a000001 };
    expectError(validateOpen(open([]), { peerAs: 65000, ...ours }), 2, 3);
    // The same identifier from an external peer is allowed (RFC 6286 §2.3 resolves collisions by AS).
    assert.equal(validateOpen(open([]), { peerAs: 65000, localAs: 65001, localBgpId: 0x0a000001 }), null);
  });
});
