// Pure pieces of the reconciler: retry backoff bookkeeping and the route mirror.
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, RetryBook, RouteMirror, RuleMirror, diffRules, normalizeKernelRoute, parseRtTables, type KernelRoute } from '../src/index.js';

const ERR = { operation: 'add route 10.1.0.0/24 via 10.9.9.9', code: 'ENETUNREACH', message: 'x' };

function route(dst: string, gateway: string, priority = 0): KernelRoute {
  return normalizeKernelRoute({ family: AF_INET, dst, table: 254, protocol: 17, scope: 0, type: 1, tos: 0, flags: 0, gateway, oif: 2, priority });
}

describe('reconciler units: retry backoff', () => {
  it('doubles the delay per attempt up to the cap', () => {
    const book = new RetryBook({ initialMs: 100, maxMs: 500 });
    const delays = [0, 1, 2, 3, 4].map(() => book.fail('k', ERR, 1000) - 1000);
    assert.deepEqual(delays, [100, 200, 400, 500, 500]);
  });

  it('takeDue hands each due key out once until it fails or succeeds again', () => {
    const book = new RetryBook({ initialMs: 100 });
    book.fail('a', ERR, 0);
    book.fail('b', ERR, 50);
    assert.deepEqual(book.takeDue(99), []);
    assert.equal(book.nextAt(), 100);
    assert.deepEqual(book.takeDue(100), ['a']);
    assert.equal(book.nextAt(), 150, 'a is being retried: only b has a retry time');
    assert.deepEqual(book.takeDue(1000), ['b']);
    assert.equal(book.nextAt(), undefined);
    assert.equal(book.fail('a', ERR, 1000), 1200, 'second attempt: 200 ms');
    book.succeed('b');
    assert.deepEqual(book.list(1000).map((f) => [f.key, f.attempts]), [['a', 2]]);
    book.succeedWhere((k) => k === 'a');
    assert.equal(book.size, 0);
  });
});

describe('reconciler units: route mirror', () => {
  it('keeps one route per metric slot and reports whether anything changed', () => {
    const m = new RouteMirror();
    assert.equal(m.upsert(route('10.1.0.0/24', '10.0.0.3')), true);
    assert.equal(m.upsert(route('10.1.0.0/24', '10.0.0.3')), false, 'identical: no change');
    assert.equal(m.upsert(route('10.1.0.0/24', '10.0.0.4')), true, 'same slot, new gateway');
    assert.equal(m.upsert(route('10.1.0.0/24', '10.0.0.4', 100)), true, 'another metric: a second route');
    assert.deepEqual(m.get('10.1.0.0/24').map((r) => [r.gateway, r.priority]), [['10.0.0.4', 0], ['10.0.0.4', 100]]);
    assert.equal(m.remove(route('10.1.0.0/24', '10.0.0.4', 100)), true);
    assert.equal(m.remove(route('10.1.0.0/24', '10.0.0.4', 100)), false);
    assert.equal(m.remove(route('10.1.0.0/24', 'ignored')), true, 'removal goes by slot');
    assert.equal(m.size, 0);
  });
});

describe('reconciler units: rt_tables parsing', () => {
  it('reads ids (decimal and hex) and names, skipping comments', () => {
    assert.deepEqual(parseRtTables('# c\n255\tlocal\n0x4d kube-router # trailing\n\nbad\n'), [
      { id: 255, name: 'local' },
      { id: 77, name: 'kube-router' },
    ]);
  });
});

describe('reconciler units: rules', () => {
  const pod4 = { family: AF_INET, from: '10.244.0.0/24' } as const;
  const pod6 = { family: AF_INET6, from: 'fd00:244::/64' } as const;

  it('adds the missing, deletes duplicates, and sweeps the unwanted unless held', () => {
    const m = new RuleMirror();
    m.reset([
      { ...pod4, priority: 32765 },
      { ...pod4, priority: 32764 },
      { family: AF_INET, from: '10.9.0.0/24', priority: 32763 },
    ]);
    const d = diffRules([pod4, pod6], m, true);
    assert.deepEqual(d.adds, [pod6]);
    assert.deepEqual(d.dels.map((r) => [r.from, r.priority]), [['10.244.0.0/24', 32764], ['10.9.0.0/24', 32763]]);
    assert.deepEqual(diffRules([pod4, pod6], m, false).dels.map((r) => r.priority), [32764], 'held: only the duplicate goes');
  });

  it('an acknowledged add without priority is replaced by its notification, not doubled', () => {
    const m = new RuleMirror();
    m.added(pod4);
    m.apply('new', { ...pod4, priority: 32765 });
    assert.deepEqual(m.get('2|10.244.0.0/24'), [{ ...pod4, priority: 32765 }]);
    m.added(pod4);
    assert.equal(m.get('2|10.244.0.0/24').length, 1);
    m.apply('del', { ...pod4, priority: 32765 });
    assert.deepEqual([...m.entries()], []);
  });
});
