import assert from 'node:assert/strict';
import { waitFor, WaitTimeoutError } from '../src/index.js';

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { what: 'third call', intervalMs: 1 });
    assert.deepEqual(value, { calls: 3 });
  });

  it('treats a throwing probe as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        if (++calls < 3) throw new Error('not ready');
        return 'ready';
      },
      { what: 'readiness', intervalMs: 1 },
    );
    assert.equal(value, 'ready');
  });

  it('times out with a message naming what it waited for and the last value seen', async () => {
    await assert.rejects(waitFor(() => 0, { what: 'the moon to turn blue', timeoutMs: 100, intervalMs: 10 }), (err: unknown) => {
      assert.ok(err instanceof WaitTimeoutError);
      assert.equal(err.what, 'the moon to turn blue');
      assert.match(err.message, /timed out after 100 ms waiting for the moon to turn blue \(last value: 0\)/);
      return true;
    });
  });

  it('reports the last error when the probe kept throwing', async () => {
    await assert.rejects(
      waitFor(
        () => {
          throw new RangeError('socket not ready');
        },
        { what: 'a socket', timeoutMs: 50, intervalMs: 5 },
      ),
      /waiting for a socket \(last error: RangeError: socket not ready\)/,
    );
  });

  it('does not hang on a probe that never settles', async () => {
    await assert.rejects(
      waitFor(() => new Promise<boolean>(() => undefined), { what: 'a stuck probe', timeoutMs: 100 }),
      /waiting for a stuck probe \(the probe never returned\)/,
    );
  });

  it('stops when its abort signal fires', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('gave up')), 20);
    await assert.rejects(waitFor(() => false, { what: 'never', timeoutMs: 5_000, intervalMs: 5, signal: ac.signal }), /gave up/);
  });
});
