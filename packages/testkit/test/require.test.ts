import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, requireGobgpd, requireNetns } from '../src/index.js';

const NOBODY_UID = 65534;
const COMPILED_SRC = fileURLToPath(new URL('../src/', import.meta.url));
const WORLD_READABLE = 0o755;

describe('prerequisite checks', () => {
  it('requireNetns passes here (tests run as root) and fails loudly for an unprivileged user', function () {
    requireNetns();
    // A copy the unprivileged user can read, wherever the checkout lives (a root-only home directory, say).
    const dir = mkdtempSync(join(tmpdir(), 'kt-require-'));
    const r = (() => {
      try {
        cpSync(COMPILED_SRC, dir, { recursive: true });
        chmodSync(dir, WORLD_READABLE);
        const probe = `import(${JSON.stringify(join(dir, 'index.js'))}).then((m) => { try { m.requireNetns(); console.log('passed'); } catch (e) { console.log(e.name + ': ' + e.message); } });`;
        return spawnSync(process.execPath, ['-e', probe], { uid: NOBODY_UID, gid: NOBODY_UID, encoding: 'utf8', cwd: '/' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^PrerequisiteError: network-namespace tests need root, but this process runs as uid 65534/);
  });

  it('requireGobgpd names what is missing from PATH', () => {
    requireGobgpd();
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.throws(requireGobgpd, (err: unknown) => err instanceof PrerequisiteError && /gobgpd and gobgp not on PATH/.test(err.message));
    } finally {
      process.env.PATH = saved;
    }
  });
});
