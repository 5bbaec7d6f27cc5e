import assert from 'node:assert/strict';
import {
  decodeMessage,
  DEFAULT_CODEC_CONTEXT,
  encodeMessage,
  encodeRouteRefresh,
  EncodeError,
  RouteRefreshSubtype,
  type CodecContext,
} from '../src/wire/index.js';
import { expectBgpError, message, messageWithLength, toHex } from './fixtures/wire-bytes.js';

const ROUTE_REFRESH = 5;
const plain = DEFAULT_CODEC_CONTEXT;
const enhanced: CodecContext = { ...DEFAULT_CODEC_CONTEXT, enhancedRouteRefresh: true };

describe('wire: ROUTE-REFRESH (RFC 2918, RFC 7313)', () => {
  it('decodes and encodes a normal refresh for IPv6 unicast', () => {
    const bytes = message(ROUTE_REFRESH, '0002 00 01');
    const m = decodeMessage(bytes, plain);
    assert.deepEqual(m, { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 });
    assert.equal(toHex(encodeMessage(m, plain)), toHex(bytes));
  });

  for (const [name, subtype] of [['BoRR', RouteRefreshSubtype.BORR], ['EoRR', RouteRefreshSubtype.EORR]] as const) {
    it(`decodes and encodes ${name} once enhanced route refresh is negotiated (RFC 7313 §3)`, () => {
      const bytes = message(ROUTE_REFRESH, `0001 0${subtype} 01`);
      const m = decodeMessage(bytes, enhanced);
      assert.deepEqual(m, { type: 'route-refresh', afi: 1, safi: 1, subtype });
      assert.equal(toHex(encodeMessage(m, enhanced)), toHex(bytes));
    });
  }

  it('ignores the reserved octet when enhanced route refresh is not negotiated (RFC 2918 §3)', () => {
    assert.deepEqual(decodeMessage(message(ROUTE_REFRESH, '0001 01 01'), plain), { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 });
  });

  it('passes unknown subtypes through for the FSM to ignore (RFC 7313 §5)', () => {
    assert.deepEqual(decodeMessage(message(ROUTE_REFRESH, '0001 07 01'), enhanced), { type: 'route-refresh', afi: 1, safi: 1, subtype: 7 });
  });

  describe('bad length', () => {
    it('with enhanced route refresh: 7/1 with the whole message as data (RFC 7313 §5)', () => {
      const long = message(ROUTE_REFRESH, '0001 01 01 00');
      expectBgpError(() => decodeMessage(long, enhanced), 7, 1, toHex(long));
      const short = message(ROUTE_REFRESH, '0001 02');
      expectBgpError(() => decodeMessage(short, enhanced), 7, 1, toHex(short));
      const empty = message(ROUTE_REFRESH);
      expectBgpError(() => decodeMessage(empty, enhanced), 7, 1, toHex(empty));
    });

    it('without it: 1/2 with the length field as data (RFC 4271 §6.1)', () => {
      expectBgpError(() => decodeMessage(message(ROUTE_REFRESH, '0001 00 01 00'), plain), 1, 2, '0018');
      expectBgpError(() => decodeMessage(messageWithLength(ROUTE_REFRESH, 19), plain), 1, 2, '0013');
    });
  });

  it('refuses values that do not fit', () => {
    assert.throws(() => encodeRouteRefresh({ afi: 65536, safi: 1, subtype: 0 }), EncodeError);
    assert.throws(() => encodeRouteRefresh({ afi: 1, safi: 256, subtype: 0 }), EncodeError);
  });
});
