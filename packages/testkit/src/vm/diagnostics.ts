import { readFile } from 'node:fs/promises';
import { availableParallelism, freemem } from 'node:os';
import { HOST_PACKAGES, currentStockKernel, missingPackages } from './debian.js';
import { describe } from './errors.js';
import { runCommand } from './exec.js';
import { vmCacheDir } from './image.js';
import { QEMU_BINARY, VCPUS } from './qemu.js';

export interface VmAvailability {
  /** False when something is certain to stop the VM from starting here. */
  ok: boolean;
  /** Each thing that will stop it, in words a CI log reader can act on. */
  problems: string[];
  /** A multi-line report of what was checked, for error messages and test logs. */
  diagnostics: string;
}

/**
 * Checks, without booting anything, whether this host can run the test VM, and describes the host.
 * Meant for mocha `before` hooks and error messages: a test that needs the VM fails with this text.
 */
export async function vmAvailable(): Promise<VmAvailability> {
  const problems: string[] = [];
  const lines: string[] = [];
  try {
    const { stdout } = await runCommand(QEMU_BINARY, ['-version']);
    lines.push(`qemu: ${stdout.split('\n')[0]}`);
  } catch (err) {
    problems.push(`${QEMU_BINARY} cannot run (${describe(err)}); install qemu-system-x86 (scripts/setup-machine.sh)`);
  }
  const missing = await missingPackages(HOST_PACKAGES);
  lines.push(`host packages: ${missing.length === 0 ? 'all installed' : `missing ${missing.join(', ')}`}`);
  const root = process.getuid?.() === 0;
  lines.push(`running as root: ${root ? 'yes' : 'no'}`);
  if (missing.length > 0 && !root) problems.push(`missing ${missing.join(', ')} and not root to install them`);
  const kernel = await currentStockKernel();
  lines.push(`stock kernel per apt: ${kernel ?? 'unknown (no apt lists yet; set-up runs apt-get update)'}`);
  const cache = vmCacheDir();
  let cached = 'none';
  if (kernel !== null) {
    try {
      await readFile(`${cache}/${kernel}/image.json`);
      cached = kernel;
    } catch {
      cached = `none for ${kernel} (first run builds it, ~20 s)`;
    }
  }
  lines.push(`image cache: ${cache}, cached image: ${cached}`);
  lines.push(`host cpus: ${availableParallelism()} (VM uses ${VCPUS} under TCG), free memory: ${Math.round(freemem() / 2 ** 20)} MiB`);
  const diagnostics = [...lines, ...problems.map((p) => `PROBLEM: ${p}`)].join('\n');
  return { ok: problems.length === 0, problems, diagnostics };
}
