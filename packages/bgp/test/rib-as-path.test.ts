// AS_PATH arithmetic and the RFC 6793 AS4 conversions.
import assert from 'node:assert/strict';
import { AS_TRANS, AsPathSegmentType } from '../src/wire/constants.js';
import type { AsPathSegment, PathAttributes } from '../src/wire/types.js';
import { asPathContains, asPathLength, mergeAs4Path, neighborAs, originAs, prependAs, splitAs4Path } from '../src/rib/index.js';

const seq = (...asns: number[]): AsPathSegment => ({ type: AsPathSegmentType.AS_SEQUENCE, asns });
const set = (...asns: number[]): AsPathSegment => ({ type: AsPathSegmentType.AS_SET, asns });
const cseq = (...asns: number[]): AsPathSegment => ({ type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns });

describe('rib: AS_PATH', () => {
  it('counts length with AS_SET = 1 and confederation segments = 0', () => {
    assert.equal(asPathLength(undefined), 0);
    assert.equal(asPathLength([seq(1, 2, 3)]), 3);
    assert.equal(asPathLength([seq(1, 2), set(3, 4, 5)]), 3);
    assert.equal(asPathLength([cseq(7, 8), seq(1)]), 1);
  });

  it('finds the neighbour and origin AS and loops', () => {
    assert.equal(neighborAs([cseq(7), seq(65001, 2)]), 65001);
    assert.equal(neighborAs([set(1, 2)]), 0);
    assert.equal(originAs([seq(1, 2, 3)]), 3);
    assert.equal(originAs([seq(1), set(2, 3)]), undefined);
    assert.ok(asPathContains([seq(1), set(65000)], 65000));
    assert.ok(!asPathContains([seq(1, 2)], 65000));
  });

  it('prepends into a leading AS_SEQUENCE, or before a leading AS_SET (RFC 4271 §5.1.2)', () => {
    assert.deepEqual(prependAs(undefined, 65000), [seq(65000)]);
    assert.deepEqual(prependAs([seq(1, 2)], 65000, 2), [seq(65000, 65000, 1, 2)]);
    assert.deepEqual(prependAs([set(1, 2)], 65000), [seq(65000), set(1, 2)]);
  });

  it('splits at 255 ASNs per segment, the short segment leftmost', () => {
    const out = prependAs([seq(...new Array<number>(250).fill(1))], 9, 10);
    assert.deepEqual(
      out.map((s) => s.asns.length),
      [5, 255],
    );
    assert.equal(out[0]!.asns[0], 9);
    assert.equal(asPathLength(out), 260);
  });
});

describe('rib: AS4_PATH (RFC 6793)', () => {
  it('rebuilds the real path from AS_PATH + AS4_PATH (§4.2.3)', () => {
    // 2-octet peer 65010 in front of 4-octet ASes 4200000001 and 4200000002, origin 65020 (2-octet too).
    const merged = mergeAs4Path(
      { asPath: [seq(65010, AS_TRANS, AS_TRANS, 65020)], as4Path: [seq(4200000001, 4200000002, 65020)] },
      false,
    );
    assert.deepEqual(merged.asPath, [seq(65010, 4200000001, 4200000002, 65020)]);
    assert.equal(merged.as4Path, undefined);
  });

  it('keeps leading AS_SET segments whole and counts them as one', () => {
    const merged = mergeAs4Path({ asPath: [seq(65010), set(1, 2), seq(AS_TRANS)], as4Path: [seq(4200000001)] }, false);
    assert.deepEqual(merged.asPath, [seq(65010), set(1, 2), seq(4200000001)]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const merged = mergeAs4Path({ asPath: [seq(65010, AS_TRANS)], as4Path: [seq(1, 2, 3)] }, false);
    assert.deepEqual(merged.asPath, [seq(65010, AS_TRANS)]);
    assert.equal(merged.as4Path, undefined);
  });

  it('drops confederation segments from AS4_PATH', () => {
    const merged = mergeAs4Path({ asPath: [seq(65010, AS_TRANS)], as4Path: [cseq(9), seq(4200000001)] }, false);
    assert.deepEqual(merged.asPath, [seq(65010, 4200000001)]);
  });

  it('takes AS4_AGGREGATOR when AGGREGATOR is AS_TRANS, and ignores both AS4 attributes otherwise', () => {
    const a = mergeAs4Path(
      {
        asPath: [seq(AS_TRANS)],
        aggregator: { asn: AS_TRANS, address: '10.0.0.1' },
        as4Aggregator: { asn: 4200000001, address: '10.0.0.1' },
        as4Path: [seq(4200000001)],
      },
      false,
    );
    assert.deepEqual(a.aggregator, { asn: 4200000001, address: '10.0.0.1' });
    assert.deepEqual(a.asPath, [seq(4200000001)]);
    const b = mergeAs4Path(
      {
        asPath: [seq(65010, AS_TRANS)],
        aggregator: { asn: 65010, address: '10.0.0.2' },
        as4Aggregator: { asn: 4200000001, address: '10.0.0.1' },
        as4Path: [seq(4200000001)],
      },
      false,
    );
    assert.deepEqual(b.aggregator, { asn: 65010, address: '10.0.0.2' });
    assert.deepEqual(b.asPath, [seq(65010, AS_TRANS)]);
    assert.equal(b.as4Aggregator, undefined);
  });

  it('discards AS4 attributes from a 4-octet peer (§4.1)', () => {
    const m = mergeAs4Path({ asPath: [seq(4200000001)], as4Path: [seq(1)] }, true);
    assert.deepEqual(m.asPath, [seq(4200000001)]);
    assert.equal(m.as4Path, undefined);
  });

  it('builds AS_TRANS + AS4_PATH for a 2-octet peer (§4.2.2), and round-trips through the merge', () => {
    const real: PathAttributes = { asPath: [seq(65000, 4200000001, 65020)], aggregator: { asn: 4200000009, address: '10.0.0.9' } };
    const out = splitAs4Path(real);
    assert.deepEqual(out.asPath, [seq(65000, AS_TRANS, 65020)]);
    assert.deepEqual(out.as4Path, [seq(65000, 4200000001, 65020)]);
    assert.deepEqual(out.aggregator, { asn: AS_TRANS, address: '10.0.0.9' });
    assert.deepEqual(out.as4Aggregator, real.aggregator);
    const back = mergeAs4Path(out, false);
    assert.deepEqual(back.asPath, real.asPath);
    assert.deepEqual(back.aggregator, real.aggregator);
  });

  it('sends no AS4_PATH when every AS fits in 2 octets', () => {
    const out = splitAs4Path<PathAttributes>({ asPath: [seq(65000, 65001)] });
    assert.equal(out.as4Path, undefined);
    assert.deepEqual(out.asPath, [seq(65000, 65001)]);
  });
});
