import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApi } from '../src/api/server.js';
import { CliError, parseCliArgs, runCli } from '../src/cli/commands.js';
import { FakeView, neighbor, route } from './helpers/fake-view.js';

describe('kroute CLI commands', () => {
  let app: FastifyInstance;
  let api: string;
  before(async () => {
    const many = Array.from({ length: 12_345 }, (_, i) => route(`10.${(i >> 8) & 255}.${i & 255}.0/24`, '10.0.0.2'));
    const view = new FakeView({
      'ipv4-unicast': [route('10.244.1.0/24', '10.0.0.2', { communities: ['65000:100'], med: 5 }), ...many],
      'ipv6-unicast': [route('fd00:244::/64', 'fd00::2', { best: false, stale: true })],
    }, [neighbor('10.0.0.2', { uptimeSeconds: 3723 }), neighbor('10.0.0.254', { state: 'Active', asn: 65000, prefixes: { received: 0, accepted: 0, advertised: 0 } })],
    [{ prefix: '10.244.1.0/24', table: 254, protocol: 17, kind: 'gateway', nextHops: [{ gateway: '10.0.0.2', device: 'eth0' }] }],
    [{ name: 'tun-e443169117a', type: 'fou', encapPort: 5555, local: '10.0.0.2', remote: '10.0.0.1', nextHop: '10.0.0.1', mtu: 1472 }]);
    app = await buildApi(view, { allowWrites: false, version: 't' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  it('neighbor: an aligned table like gobgp neighbor', async () => {
    const text = await runCli(parseCliArgs('neighbor', ['--api', api]));
    const lines = text.split('\n');
    assert.match(lines[0]!, /^Peer\s+AS\s+Up\/Down\s+State\s+\|#Received\s+Accepted\s+Advertised$/);
    assert.match(lines[1]!, /^10\.0\.0\.2\s+64512\s+01:02:03\s+Establ\s+\|\s+2\s+2\s+1$/);
    assert.match(lines[2]!, /^10\.0\.0\.254\s+65000\s+never\s+Active/);
    // columns line up: every "|" at the same offset
    assert.equal(new Set(lines.map((l) => l.indexOf('|'))).size, 1);
  });

  it('neighbor ADDR: details, and --json gives the raw JSON', async () => {
    assert.match(await runCli(parseCliArgs('neighbor', ['--api', api, '10.0.0.2'])), /BGP neighbor is 10\.0\.0\.2, remote AS 64512, internal link/);
    const json = JSON.parse(await runCli(parseCliArgs('neighbor', ['--api', api, '--json', '10.0.0.2']))) as { address: string };
    assert.equal(json.address, '10.0.0.2');
    await assert.rejects(runCli(parseCliArgs('neighbor', ['--api', api, '10.9.9.9'])), (e: unknown) => e instanceof CliError && /404/.test(e.message));
  });

  it('rib: best marker, next hop, AS path and attributes, across pages', async () => {
    const text = await runCli(parseCliArgs('rib', ['--api', api]));
    const lines = text.split('\n');
    assert.equal(lines.length, 1 + 1 + 12_345, 'every page is followed');
    assert.match(lines[1]!, /^\*>\s+10\.244\.1\.0\/24\s+10\.0\.0\.2\s+-\s+00:00:05\s+\[\{Origin: i\} \{LocalPref: 100\} \{Med: 5\} \{Communities: 65000:100\}\]$/);
    const v6 = await runCli(parseCliArgs('rib', ['--api', api, '-a', 'ipv6']));
    assert.match(v6.split('\n')[1]!, /^\* S\s+fd00:244::\/64/);
    const one = JSON.parse(await runCli(parseCliArgs('rib', ['--api', api, '--json', '10.244.1.0/24']))) as { routes: unknown[] };
    assert.equal(one.routes.length, 1);
  });

  it('routes and tunnels', async () => {
    assert.match(await runCli(parseCliArgs('routes', ['--api', api])), /10\.244\.1\.0\/24\s+gateway\s+10\.0\.0\.2 dev eth0\s+254\s+17/);
    assert.match(await runCli(parseCliArgs('tunnels', ['--api', api])), /tun-e443169117a\s+fou:5555\s+10\.0\.0\.2\s+10\.0\.0\.1\s+10\.0\.0\.1\s+1472/);
  });

  it('a clear error when no agent is listening', async () => {
    const closed = await buildApi(new FakeView({ 'ipv4-unicast': [], 'ipv6-unicast': [] }), { allowWrites: false, version: 't' });
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const port = (closed.server.address() as AddressInfo).port;
    await closed.close();
    await assert.rejects(runCli(parseCliArgs('neighbor', ['--api', `http://127.0.0.1:${port}`])),
      (e: unknown) => e instanceof CliError && e.exitCode === 1 && /cannot reach the kroute agent.*ECONNREFUSED.*is it running/.test(e.message));
  });

  it('bad CLI usage is exit code 2', () => {
    assert.throws(() => parseCliArgs('rib', ['-a', 'ipx']), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /ipv4 or ipv6/.test(e.message));
    assert.throws(() => parseCliArgs('rib', ['--colour']), (e: unknown) => e instanceof CliError && e.exitCode === 2);
  });
});
