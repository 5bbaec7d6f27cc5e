import assert from 'node:assert/strict';
import { Heartbeats } from '../src/health/heartbeats.js';
import { startHealthServer } from '../src/health/server.js';

describe('health', () => {
  it('follows kube-router: healthy while the last beat is within period + first interval + 1.5 s', () => {
    let now = 1_000_000;
    const hb = new Heartbeats(() => now);
    hb.register('routes', 60_000);
    now += 61_000;
    assert.equal(hb.healthy(), true, 'within period + 1.5 s of registration before the first beat');
    now += 1_000;
    assert.equal(hb.healthy(), false, 'no beat for period + 1.5 s');
    hb.beat('routes'); // first observed interval: 62 s
    assert.equal(hb.healthy(), true);
    now += 60_000 + 62_000 + 1_500;
    assert.equal(hb.healthy(), true, 'at the edge of the allowance');
    now += 1;
    assert.equal(hb.healthy(), false);
    assert.deepEqual(hb.status().map((s) => [s.name, s.healthy]), [['routes', false]]);
  });

  it('serves /healthz as 200 OK or 500 Unhealthy', async () => {
    let now = 0;
    const hb = new Heartbeats(() => now);
    hb.register('bgp', 1000);
    const { server, port } = await startHealthServer(hb, 0, '127.0.0.1');
    try {
      let res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      assert.equal((await res.text()).trim(), 'OK');
      now = 10_000;
      res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /Unhealthy: bgp/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      server.close();
    }
  });
});
