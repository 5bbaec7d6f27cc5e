import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Lab, listNamespaces, REGISTRY_DIR, requireNetns, run, sweepStaleLabs, waitFor, withLab } from '../src/index.js';
import { exitOf, fixture, namespaceExists, pidAlive, startChild, type ChildReport } from './helpers.js';

async function assertGone(report: Pick<ChildReport, 'namespaces' | 'pids'>): Promise<void> {
  const present = await listNamespaces();
  for (const ns of report.namespaces) assert.ok(!present.includes(ns), `namespace ${ns} should be gone`);
  for (const pid of report.pids) {
    await waitFor(() => !pidAlive(pid), { what: `pid ${pid} to be gone`, timeoutMs: 3_000 });
  }
}

describe('Lab cleanup', () => {
  before(requireNetns);

  it('withLab removes namespaces and processes when the body throws', async () => {
    let made: { namespaces: string[]; pids: number[]; dir: string } | undefined;
    await assert.rejects(
      withLab('throws', async (lab) => {
        const a = await lab.netns('a');
        const b = await lab.netns('b');
        await lab.veth(a, b, { aAddrs: ['10.2.0.1/24'], bAddrs: ['10.2.0.2/24'] });
        const p = a.spawn('sleep', ['600']);
        made = { namespaces: [a.name, b.name], pids: [p.pid], dir: lab.dir };
        assert.ok(await namespaceExists(a.name));
        throw new Error('deliberate');
      }),
      /deliberate/,
    );
    assert.ok(made);
    await assertGone(made);
    assert.equal(existsSync(made.dir), false, 'temp dir removed');
  });

  it('kills processes the lab did not spawn itself but that run inside its namespaces', async () => {
    const lab = await Lab.create('stray');
    const ns = await lab.netns('n');
    // Started behind the lab's back (double fork, so not even our child): only `ip netns pids` can find it.
    await ns.exec('sh', ['-c', 'setsid sleep 600 >/dev/null 2>&1 < /dev/null &']);
    const stray = Number((await run('ip', ['netns', 'pids', ns.name])).stdout.trim().split('\n')[0]);
    assert.ok(pidAlive(stray));
    await lab.cleanup();
    await assertGone({ namespaces: [ns.name], pids: [stray] });
  });

  it('useLab cleans up after a mocha test that fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-cleanup-'));
    const report = join(dir, 'failing-suite.json');
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const child = spawn(process.execPath, [mocha, '--no-config', '--reporter', 'dot', fixture('failing-suite.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KT_REPORT: report },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const { code } = await exitOf(child);
    assert.equal(code, 1, `the fixture suite fails (output: ${out})`);
    assert.match(out, /deliberate test failure/);
    const made = JSON.parse(readFileSync(report, 'utf8')) as ChildReport;
    rmSync(dir, { recursive: true, force: true });
    await assertGone(made);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`cleans up when the process gets ${signal}, and still dies of it`, async () => {
      const { child, report } = await startChild('lab-child.js', ['wait']);
      assert.ok(await namespaceExists(report.namespaces[0] ?? ''));
      child.kill(signal);
      const ended = await exitOf(child);
      assert.equal(ended.signal, signal);
      await assertGone(report);
    });
  }

  for (const mode of ['throw', 'reject', 'exit'] as const) {
    it(`cleans up when the process ends by ${mode === 'exit' ? 'process.exit()' : mode === 'throw' ? 'an uncaught exception' : 'an unhandled rejection'}`, async () => {
      const { child, report, stderr } = await startChild('lab-child.js', [mode]);
      const ended = await exitOf(child);
      assert.notEqual(ended.code, 0, stderr());
      await assertGone(report);
      assert.equal(existsSync(join(REGISTRY_DIR, `${report.labId}.json`)), false, 'registry record removed');
    });
  }

  it('after a SIGKILL, the next sweep removes the dead owner\'s namespaces and processes, and only those', async () => {
    const mine = await Lab.create('survivor');
    try {
      const survivor = await mine.netns('alive');
      const { child, report } = await startChild('lab-child.js', ['wait']);
      for (const ns of report.namespaces) assert.ok(await namespaceExists(ns), `${ns} exists while its owner lives`);
      child.kill('SIGKILL');
      await exitOf(child);
      // From here any testkit user's sweep on this machine may remove the leftovers (other suites run concurrently),
      // so assert the outcome, not which sweep achieved it.
      const swept = await sweepStaleLabs();
      await assertGone(report);
      assert.ok(swept.every((ns) => !ns.startsWith(`${mine.id}-`)), 'a live owner\'s namespaces are never swept');
      assert.ok(await namespaceExists(survivor.name), 'a live owner\'s namespace is left alone');
      assert.equal(existsSync(join(REGISTRY_DIR, `${report.labId}.json`)), false, 'dead lab record removed');
      assert.ok(existsSync(join(REGISTRY_DIR, `${mine.id}.json`)), 'live lab record kept');
    } finally {
      await mine.cleanup();
    }
  });

  it('Lab.create runs the sweep itself', async () => {
    const { child, report } = await startChild('lab-child.js', ['wait']);
    child.kill('SIGKILL');
    await exitOf(child);
    const lab = await Lab.create('sweeper');
    await lab.cleanup();
    await assertGone(report);
  });
});
