import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApi, startApi } from '../src/api/server.js';
import { FakeView, neighbor, route } from './helpers/fake-view.js';

describe('REST API', () => {
  let app: FastifyInstance;
  let view: FakeView;
  const v4 = Array.from({ length: 25 }, (_, i) => route(`10.244.${i}.0/24`, `10.0.0.${i + 2}`));
  before(async () => {
    view = new FakeView({ 'ipv4-unicast': v4, 'ipv6-unicast': [route('fd00:244::/64', 'fd00::2')] }, [neighbor('10.0.0.2'), neighbor('10.0.0.254', { type: 'external', asn: 65000 })],
      [{ prefix: '10.244.1.0/24', table: 254, protocol: 17, kind: 'gateway', nextHops: [{ gateway: '10.0.0.3' }] }],
      [{ name: 'tun-e443169117a', type: 'ipip', local: '10.0.0.2', remote: '10.0.0.1', nextHop: '10.0.0.1' }]);
    app = await buildApi(view, { allowWrites: false, version: '0.1.0-test' });
  });
  after(() => app.close());

  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> };
  };

  it('status', async () => {
    const r = await get('/api/v1/status');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['asn', 'listen', 'routerId', 'uptimeSeconds', 'version']);
  });

  it('neighbors, one neighbor, and 404 for an unknown address', async () => {
    const all = await get('/api/v1/neighbors');
    assert.equal((all.body['neighbors'] as unknown[]).length, 2);
    const one = await get('/api/v1/neighbors/10.0.0.254');
    assert.equal(one.status, 200);
    assert.equal(one.body['asn'], 65000);
    const missing = await get('/api/v1/neighbors/10.9.9.9');
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body).sort(), ['error', 'message']);
  });

  it('pages the RIB with limit and after, and says when there is no next page', async () => {
    const p1 = await get('/api/v1/rib?family=ipv4-unicast&limit=10');
    assert.equal(p1.status, 200);
    const routes1 = p1.body['routes'] as Array<{ prefix: string }>;
    assert.equal(routes1.length, 10);
    assert.equal(p1.body['next'], '10.244.9.0/24');
    const p3 = await get(`/api/v1/rib?family=ipv4-unicast&limit=10&after=${encodeURIComponent('10.244.19.0/24')}`);
    assert.deepEqual((p3.body['routes'] as Array<{ prefix: string }>).map((r) => r.prefix).slice(0, 1), ['10.244.20.0/24']);
    assert.equal((p3.body['routes'] as unknown[]).length, 5);
    assert.equal(p3.body['next'], undefined);
    const exact = await get(`/api/v1/rib?family=ipv6-unicast&prefix=${encodeURIComponent('fd00:244::/64')}`);
    assert.equal((exact.body['routes'] as unknown[]).length, 1);
  });

  it('streams a large page as valid JSON', async () => {
    const big = Array.from({ length: 50_000 }, (_, i) => route(`10.${(i >> 8) & 255}.${i & 255}.0/24`, '10.0.0.2'));
    const bigApp = await buildApi(new FakeView({ 'ipv4-unicast': big, 'ipv6-unicast': [] }), { allowWrites: false, version: 't' });
    try {
      const r = await bigApp.inject({ method: 'GET', url: '/api/v1/rib?limit=1000000' });
      const body = r.json() as { routes: unknown[]; next?: string };
      assert.equal(body.routes.length, 50_000);
      assert.equal(body.next, undefined);
    } finally {
      await bigApp.close();
    }
  });

  it('bad input gets a 400 naming the parameter', async () => {
    const fam = await get('/api/v1/rib?family=ipv5-unicast');
    assert.equal(fam.status, 400);
    assert.match(String(fam.body['message']), /family/);
    const prefix = await get('/api/v1/rib?prefix=10.0.0.0/33');
    assert.equal(prefix.status, 400);
    assert.match(String(prefix.body['message']), /^prefix:/);
    const wrongFamily = await get(`/api/v1/rib?family=ipv6-unicast&prefix=${encodeURIComponent('10.0.0.0/8')}`);
    assert.equal(wrongFamily.status, 400);
    const limit = await get('/api/v1/rib?limit=0');
    assert.equal(limit.status, 400);
    assert.match(String(limit.body['message']), /limit/);
    const notNum = await get('/api/v1/rib?limit=many');
    assert.equal(notNum.status, 400);
    const unknown = await get('/api/v1/rib?colour=blue');
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.body['message']), /colour/);
  });

  it('adj-rib-in and adj-rib-out, 404 for an unknown neighbor', async () => {
    assert.equal((await get('/api/v1/neighbors/10.0.0.2/adj-rib-in?limit=3')).body['next'], '10.244.2.0/24');
    assert.deepEqual((await get('/api/v1/neighbors/10.0.0.2/adj-rib-out')).body['routes'], []);
    assert.equal((await get('/api/v1/neighbors/10.1.1.1/adj-rib-in')).status, 404);
  });

  it('kernel routes and tunnels', async () => {
    assert.equal(((await get('/api/v1/kernel/routes')).body['routes'] as unknown[]).length, 1);
    assert.equal(((await get('/api/v1/tunnels')).body['tunnels'] as Array<{ name: string }>)[0]!.name, 'tun-e443169117a');
  });

  it('refuses writes without --api-allow-writes', async () => {
    const post = await app.inject({ method: 'POST', url: '/api/v1/rib', payload: { prefix: '192.0.2.0/24' } });
    assert.equal(post.statusCode, 403);
    assert.match(post.json<{ message: string }>().message, /--api-allow-writes/);
    const del = await app.inject({ method: 'DELETE', url: '/api/v1/rib?prefix=192.0.2.0/24' });
    assert.equal(del.statusCode, 403);
    assert.equal(view.originated.length, 0);
  });

  it('originates and withdraws with --api-allow-writes', async () => {
    const v = new FakeView({ 'ipv4-unicast': [], 'ipv6-unicast': [] });
    const w = await buildApi(v, { allowWrites: true, version: 't' });
    try {
      const post = await w.inject({ method: 'POST', url: '/api/v1/rib', payload: { prefix: '192.0.2.0/24', communities: ['65000:100'] } });
      assert.equal(post.statusCode, 201);
      assert.deepEqual(v.originated, [{ prefix: '192.0.2.0/24', communities: ['65000:100'] }]);
      const bad = await w.inject({ method: 'POST', url: '/api/v1/rib', payload: { prefix: 'nope' } });
      assert.equal(bad.statusCode, 400);
      assert.equal((await w.inject({ method: 'DELETE', url: '/api/v1/rib?prefix=192.0.2.0/24' })).statusCode, 200);
      assert.equal((await w.inject({ method: 'DELETE', url: '/api/v1/rib?prefix=192.0.2.0/24' })).statusCode, 404);
    } finally {
      await w.close();
    }
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = (await get('/api/v1/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/api/v1/status', '/api/v1/neighbors', '/api/v1/neighbors/{address}', '/api/v1/rib', '/api/v1/neighbors/{address}/adj-rib-in', '/api/v1/kernel/routes', '/api/v1/tunnels']) {
      assert.ok(p in doc.paths, `OpenAPI has ${p}`);
    }
    const rib = doc.paths['/api/v1/rib'] as { get: { parameters: Array<{ name: string }> } };
    assert.deepEqual(rib.get.parameters.map((x) => x.name).sort(), ['after', 'family', 'limit', 'prefix']);
  });

  it('unknown routes are 404 with the error shape', async () => {
    const r = await get('/api/v1/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body['error'], 'Not Found');
  });

  it('binds 127.0.0.1 quietly, and logs that any other address is unauthenticated', async () => {
    const logs: string[] = [];
    const quiet = await startApi(view, { allowWrites: false, version: 't', address: '127.0.0.1', port: 0, log: (m) => logs.push(m) });
    await quiet.close();
    assert.equal(logs.length, 0);
    const open = await startApi(view, { allowWrites: true, version: 't', address: '0.0.0.0', port: 0, log: (m) => logs.push(m) });
    await open.close();
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /0\.0\.0\.0:0 WITHOUT authentication: anyone who can reach it can read the RIB and change it/);
  });
});
