import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BgpError, MessageReader, encodeKeepalive, notification, encodeOpen, encodeRouteRefresh } from '../src/wire/index.js';
import { expectBgpError, message, messageWithLength, toHex } from './fixtures/wire-bytes.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A varied stream: every type, sizes from 19 to 4096 octets. */
function sampleMessages(): Uint8Array[] {
  return [
    encodeOpen({ version: 4, myAs: 65000, holdTime: 90, bgpIdentifier: 1, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }),
    encodeKeepalive(),
    encodeKeepalive(),
    message(2, '0000 0000'),
    notification(6, 2, new Uint8Array(100).fill(7)),
    encodeRouteRefresh({ afi: 2, safi: 1, subtype: 0 }),
    message(2, '0000 0000' + 'ab'.repeat(4096 - 23)),
    encodeKeepalive(),
    message(2, '0000 0000' + 'cd'.repeat(300)),
  ];
}

function drain(reader: MessageReader): Uint8Array[] {
  return [...reader];
}

describe('wire: MessageReader', () => {
  it('returns nothing until a whole message is in', () => {
    const r = new MessageReader();
    r.push(encodeKeepalive().subarray(0, 10));
    assert.equal(r.next(), undefined);
    r.push(encodeKeepalive().subarray(10));
    assert.equal(toHex(r.next()!), toHex(encodeKeepalive()));
    assert.equal(r.next(), undefined);
    assert.equal(r.bufferedLength, 0);
  });

  it('splits several messages in one chunk, zero-copy', () => {
    const msgs = sampleMessages();
    const chunk = concat(msgs);
    const r = new MessageReader();
    r.push(chunk);
    const out = drain(r);
    assert.deepEqual(out.map(toHex), msgs.map(toHex));
    for (const m of out) assert.equal(m.buffer, chunk.buffer, 'a message inside one chunk is a view of that chunk');
  });

  it('copies a message that spans chunks into a buffer of exactly its length', () => {
    const m = message(2, '0000 0000' + '11'.repeat(200));
    const r = new MessageReader();
    r.push(m.subarray(0, 5));
    r.push(m.subarray(5, 100));
    assert.equal(r.next(), undefined);
    r.push(m.subarray(100));
    const out = r.next()!;
    assert.equal(toHex(out), toHex(m));
    assert.equal(out.buffer.byteLength, m.length);
  });

  it('reassembles any chunking of a stream (random split points)', () => {
    const msgs = sampleMessages();
    const stream = concat(msgs);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 60 }), fc.boolean(), (cuts, drainEach) => {
        cuts.sort((a, b) => a - b);
        const bounds = [0, ...cuts, stream.length];
        const r = new MessageReader();
        const out: Uint8Array[] = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          r.push(stream.subarray(bounds[i], bounds[i + 1]));
          if (drainEach) out.push(...drain(r));
        }
        out.push(...drain(r));
        assert.deepEqual(out.map(toHex), msgs.map(toHex));
        assert.equal(r.bufferedLength, 0);
      }),
      { numRuns: 300 },
    );
  });

  it('reassembles a stream fed one octet at a time', () => {
    const msgs = sampleMessages().slice(0, 6);
    const stream = concat(msgs);
    const r = new MessageReader();
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) {
      r.push(stream.subarray(i, i + 1));
      out.push(...drain(r));
    }
    assert.deepEqual(out.map(toHex), msgs.map(toHex));
  });

  it('holds at most the incomplete message once drained', () => {
    const big = message(2, '0000 0000' + '00'.repeat(4000));
    const r = new MessageReader();
    const chunk = concat([encodeKeepalive(), encodeKeepalive(), big.subarray(0, 3000)]);
    r.push(chunk);
    assert.equal(drain(r).length, 2);
    assert.equal(r.bufferedLength, 3000);
    r.push(big.subarray(3000));
    assert.equal(toHex(r.next()!), toHex(big));
    assert.equal(r.bufferedLength, 0);
  });

  it('ignores empty chunks', () => {
    const r = new MessageReader();
    r.push(new Uint8Array(0));
    assert.equal(r.next(), undefined);
  });

  describe('header errors', () => {
    it('bad marker: 1/1, after handing out the messages before it', () => {
      const bad = encodeKeepalive();
      bad[4] = 0;
      const r = new MessageReader();
      r.push(concat([encodeKeepalive(), bad, encodeKeepalive()]));
      assert.ok(r.next());
      expectBgpError(() => r.next(), 1, 1);
    });

    it('length below 19: 1/2 with the length field', () => {
      const r = new MessageReader();
      r.push(messageWithLength(4, 18));
      expectBgpError(() => r.next(), 1, 2, '0012');
    });

    it('length above 4096: 1/2 as soon as the header is in, without waiting for the body', () => {
      const r = new MessageReader();
      r.push(messageWithLength(2, 4097).subarray(0, 10));
      assert.equal(r.next(), undefined);
      r.push(messageWithLength(2, 4097).subarray(10, 19));
      expectBgpError(() => r.next(), 1, 2, '1001');
    });

    it('a header split over chunks is checked once complete', () => {
      const bad = messageWithLength(2, 65535);
      const r = new MessageReader();
      for (let i = 0; i < 18; i++) {
        r.push(bad.subarray(i, i + 1));
        assert.equal(r.next(), undefined);
      }
      r.push(bad.subarray(18, 19));
      expectBgpError(() => r.next(), 1, 2, 'ffff');
    });

    it('stays failed: later calls rethrow the same error and drop buffered data', () => {
      const r = new MessageReader();
      r.push(messageWithLength(4, 3));
      const first = expectBgpError(() => r.next(), 1, 2);
      assert.throws(() => r.next(), (e: unknown) => e === first);
      assert.throws(() => r.push(encodeKeepalive()), (e: unknown) => e === first);
      assert.equal(r.bufferedLength, 0);
    });
  });

  describe('RFC 8654 extended messages', () => {
    const big = message(2, '0000 0000' + 'ee'.repeat(10000));

    it('caps at 4096 by default', () => {
      const r = new MessageReader();
      assert.equal(r.maxMessageLength, 4096);
      r.push(big);
      expectBgpError(() => r.next(), 1, 2, toHex(big.subarray(16, 18)));
    });

    it('accepts up to 65535 after the switch', () => {
      const r = new MessageReader();
      r.push(encodeKeepalive());
      assert.ok(r.next());
      r.extendedMessage = true;
      assert.equal(r.maxMessageLength, 65535);
      r.push(big.subarray(0, 7000));
      assert.equal(r.next(), undefined);
      r.push(big.subarray(7000));
      assert.equal(toHex(r.next()!), toHex(big));
    });

    it('can start extended', () => {
      const r = new MessageReader({ extendedMessage: true });
      assert.equal(r.extendedMessage, true);
      r.push(big);
      assert.equal(r.next()!.length, big.length);
    });
  });

  it('never throws anything but BgpError on random bytes, and always terminates', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), fc.boolean(), (chunks, ext) => {
        const r = new MessageReader({ extendedMessage: ext });
        try {
          for (const c of chunks) {
            r.push(c);
            for (const m of r) assert.ok(m.length >= 19);
          }
        } catch (e) {
          if (!(e instanceof BgpError)) throw e;
          assert.ok(e.code === 1 && (e.subcode === 1 || e.subcode === 2));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
