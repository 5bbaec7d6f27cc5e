#!/usr/bin/env node
// Measures the test VM's costs on this machine: first-time image set-up (into a scratch cache), the cached check,
// a no-op boot, and a run that starts node. Needs `npx tsc -b packages/testkit` first. Usage: node scripts/vm/measure.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const harness = join(repo, 'packages/testkit/dist/src/vm/index.js');
const runs = Number(process.argv[2] ?? 3);
const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');
const ms = (n) => `${Math.round(n)} ms`;

// A scratch cache in a child process, so the module-level memo of ensureVmImage does not hide the work.
const scratch = mkdtempSync('/var/tmp/kroute-vm-measure-');
try {
  const timeSetup = () =>
    execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(harness)}); const i = await m.ensureVmImage(); console.log(JSON.stringify(i))`], {
      env: { ...process.env, KROUTE_VM_CACHE: scratch },
      encoding: 'utf8',
    });
  const first = JSON.parse(timeSetup());
  const again = JSON.parse(timeSetup());
  console.log(`first-time set-up (download + unpack + vmlinux + initrd, packages already installed): ${ms(first.setupMs)} (built: ${first.built}), load ${load()}`);
  console.log(`cached set-up check in a new process: ${ms(again.setupMs)} (built: ${again.built})`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const { runInVm } = await import(harness);
for (let i = 0; i < runs; i++) {
  const boot = await runInVm('cut -d" " -f1 /proc/uptime');
  const node = await runInVm('node -e "console.log(6*7)"');
  console.log(
    `run ${i + 1}: no-op VM ${ms(boot.durationMs)} (guest uptime at script start ${boot.output.trim()} s); ` +
      `VM with node -e ${ms(node.durationMs)} (printed ${node.output.trim()}); load ${load()}`,
  );
}
