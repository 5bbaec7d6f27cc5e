import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Ipv4PrefixIndex,
  Ipv6PrefixIndex,
  formatPrefix,
  ipv4Key,
  ipv4KeyAddress,
  ipv4KeyLength,
  keyLength,
  keyTruncate,
  parsePrefix,
  RibError,
} from '../src/rib/index.js';

describe('rib: prefix keys', () => {
  it('encodes IPv4 as length * 2^32 + address, host bits cleared', () => {
    const k = parsePrefix('10.1.2.3/24');
    assert.equal(k, 24 * 2 ** 32 + 0x0a010200);
    assert.equal(formatPrefix(k), '10.1.2.0/24');
    assert.equal(ipv4KeyLength(k as number), 24);
    assert.equal(ipv4KeyAddress(k as number), 0x0a010200);
    assert.equal(formatPrefix(parsePrefix('0.0.0.0/0')), '0.0.0.0/0');
    assert.equal(formatPrefix(parsePrefix('255.255.255.255')), '255.255.255.255/32');
  });

  it('round-trips IPv6 text through a compact key', () => {
    for (const [text, norm] of [
      ['2001:db8::/32', '2001:db8::/32'],
      ['fd00:10:244:1::/64', 'fd00:10:244:1::/64'],
      ['::/0', '::/0'],
      ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
      ['::ffff:10.0.0.1/128', '::ffff:a00:1/128'],
      ['2001:db8::ffff/120', '2001:db8::ff00/120'],
    ] as const) {
      const k = parsePrefix(text);
      assert.equal(typeof k, 'string');
      assert.equal((k as string).length, 9);
      assert.equal(formatPrefix(k), norm, text);
    }
  });

  it('truncates keys to a shorter length', () => {
    assert.equal(keyTruncate(parsePrefix('10.1.2.0/24'), 16), parsePrefix('10.1.0.0/16'));
    assert.equal(keyTruncate(parsePrefix('2001:db8:1:2::/64'), 33), parsePrefix('2001:db8::/33'));
    assert.equal(keyLength(parsePrefix('2001:db8::/33')), 33);
  });

  it('rejects bad prefix text with RibError', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'x', '10.0.0.0/-1']) assert.throws(() => parsePrefix(bad), RibError, bad);
  });

  it('IPv4 key arithmetic agrees with text for random prefixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        const k = ipv4Key(addr, len);
        return parsePrefix(formatPrefix(k)) === k && ipv4KeyLength(k) === len;
      }),
    );
  });
});

describe('rib: prefix index', () => {
  it('hands out dense indices, refcounts them and recycles freed ones (IPv4)', () => {
    const ix = new Ipv4PrefixIndex();
    const a = ix.acquire(parsePrefix('10.0.0.0/8') as number);
    const b = ix.acquire(parsePrefix('10.0.0.0/16') as number);
    assert.notEqual(a, b);
    assert.equal(ix.acquire(parsePrefix('10.0.0.0/8') as number), a);
    assert.equal(ix.size, 2);
    ix.release(a);
    assert.equal(ix.find(parsePrefix('10.0.0.0/8') as number), a, 'one reference left');
    ix.release(a);
    assert.equal(ix.find(parsePrefix('10.0.0.0/8') as number), -1);
    assert.equal(ix.size, 1);
    const c = ix.acquire(parsePrefix('192.168.0.0/16') as number);
    assert.equal(c, a, 'freed index reused');
    assert.equal(formatPrefix(ix.keyOf(c)), '192.168.0.0/16');
  });

  it('survives growth and random deletions (backward-shift deletion keeps every key findable)', () => {
    const ix = new Ipv4PrefixIndex();
    const live = new Map<number, number>();
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 20000; i++) {
      const key = ipv4Key(rnd() & 0xffff00, 24);
      if (live.has(key) && rnd() % 2 === 0) {
        ix.release(live.get(key)!);
        live.delete(key);
      } else if (!live.has(key)) {
        live.set(key, ix.acquire(key));
      }
    }
    assert.equal(ix.size, live.size);
    for (const [key, idx] of live) {
      assert.equal(ix.find(key), idx);
      assert.equal(ix.keyOf(idx), key);
    }
  });

  it('works the same for IPv6 keys', () => {
    const ix = new Ipv6PrefixIndex();
    const k = parsePrefix('2001:db8::/32') as string;
    const i = ix.acquire(k);
    assert.equal(ix.find(k), i);
    assert.equal(ix.keyOf(i), k);
    ix.release(i);
    assert.equal(ix.find(k), -1);
    assert.equal(ix.size, 0);
  });
});
