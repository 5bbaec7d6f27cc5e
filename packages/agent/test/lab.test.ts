// The main job as a user runs it: the real `kroute` bin, `kroute lab`, then the CLI against it, then Ctrl-C.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './helpers/ports.js';

const BIN = fileURLToPath(new URL('../src/bin/kroute.js', import.meta.url));
const run = promisify(execFile);

async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output.text}`)), timeoutMs);
    const onData = () => {
      const m = output.text.split('\n').find((l) => pattern.test(l));
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    onData();
  });
}

describe('kroute lab (default mode: no root, no gobgpd)', function () {
  this.timeout(120_000);
  let child: ChildProcess | undefined;
  const output = { text: '' };
  let api = '';

  before(async () => {
    const bgpPort = await freePort();
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    child = spawn(process.execPath, [BIN, 'lab', '--nodes', '3', '--bgp-port', String(bgpPort), '--api-port', String(apiPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => { output.text += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { output.text += c.toString(); });
  });
  after(() => { child?.kill('SIGKILL'); });

  it('converges: every session up and every pod CIDR everywhere, and says how long it took', async () => {
    const line = await waitForLine(child!, /converged in \d+ ms/, 60_000, output);
    assert.match(line, /sessions 3\/3 established, 12 routes in all Loc-RIBs/);
    await waitForLine(child!, /^lab-3\s/, 10_000, output);
    assert.match(output.text, /lab-1\s+127\.0\.0\.1\s+10\.244\.1\.0\/24\s+2\/2\s+4\s+2/);
  });

  it('the CLI reads a lab node through the REST API', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'neighbor', '--api', api]);
    const rows = stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 2);
    for (const r of rows) assert.match(r, /^127\.0\.0\.[23]\s+64512\s+\d\d:\d\d:\d\d\s+Establ\s+\|\s+1\s+1\s+1$/);
    const rib = JSON.parse((await run(process.execPath, [BIN, 'rib', '--api', api, '--json'])).stdout) as { routes: Array<{ prefix: string }> };
    assert.deepEqual(rib.routes.map((r) => r.prefix), ['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24', '198.51.100.1/32']);
    const routes = (await run(process.execPath, [BIN, 'routes', '--api', api])).stdout;
    assert.match(routes, /10\.244\.2\.0\/24\s+\w+\s+127\.0\.0\.2\s+254\s+17/);
  });

  it('exits cleanly on SIGINT', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000))]);
    assert.equal(code, 0, output.text);
    assert.match(output.text, /stopping the lab/);
    child = undefined;
  });
});

describe('kroute bin', () => {
  it('--version, --help, a bad flag (exit 2 naming it), and no agent listening (exit 1)', async () => {
    assert.match((await run(process.execPath, [BIN, '--version'])).stdout, /^kroute \d+\.\d+\.\d+/);
    assert.match((await run(process.execPath, [BIN, '--help'])).stdout, /--peer-router-ips/);
    const bad = await run(process.execPath, [BIN, '--bgp-holdtime=2s']).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--bgp-holdtime="2s": must be between 3s and 65535s/);
    const port = await freePort();
    const none = await run(process.execPath, [BIN, 'neighbor', '--api', `http://127.0.0.1:${port}`]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /cannot reach the kroute agent/);
  });
});
