import assert from 'node:assert/strict';
import { IndexMap } from '../src/rib/index.js';

describe('rib: IndexMap (Map, then dense array for large dense tables)', () => {
  it('behaves like a Map across the switch to dense mode, with deletions during iteration', () => {
    const m = new IndexMap<string>();
    const model = new Map<number, string>();
    let seed = 7;
    const rnd = (n: number): number => (seed = (Math.imul(seed, 48271) + 1) >>> 0) % n;
    for (let step = 0; step < 30000; step++) {
      const k = rnd(12000);
      if (rnd(4) === 0) assert.equal(m.delete(k), model.delete(k));
      else {
        m.set(k, `v${step}`);
        model.set(k, `v${step}`);
      }
    }
    assert.equal(m.size, model.size);
    for (const [k, v] of model) assert.equal(m.get(k), v);
    assert.equal(m.get(50000), undefined);
    let visited = 0;
    m.forEach((v, k) => {
      assert.equal(model.get(k), v);
      visited++;
      if (k % 2 === 0) m.delete(k);
    });
    assert.equal(visited, model.size);
    assert.equal(m.size, [...model.keys()].filter((k) => k % 2 === 1).length);
    assert.deepEqual(m.keys().sort((a, b) => a - b), [...model.keys()].filter((k) => k % 2 === 1).sort((a, b) => a - b));
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.get(1), undefined);
  });

  it('stays a Map for a few scattered keys', () => {
    const m = new IndexMap<number>();
    for (let i = 0; i < 5000; i++) m.set(i * 1000, i);
    assert.equal(m.size, 5000);
    assert.equal(m.get(4999 * 1000), 4999);
  });
});
