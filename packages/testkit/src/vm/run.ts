import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { VmBootError, VmStartError, VmTimeoutError, VmUsageError, lastLines } from './errors.js';
import { SHARE_FILES, envFile } from './guest.js';
import { ensureVmImage } from './image.js';
import { DEFAULT_MEMORY_MB, QEMU_BINARY, qemuArgs } from './qemu.js';
import { runQemu } from './qemu-process.js';

export interface RunInVmOptions {
  /**
   * Whole-run limit, boot included; qemu is killed when it passes. Default 300 s: a boot takes ~5 s on idle cores
   * but over 20 s when other suites load the 2-core host, and the guest's node is slow under TCG.
   */
  timeoutMs?: number;
  /** Exported to the script (names must be shell identifiers). */
  env?: Record<string, string>;
  /** Guest memory, default 1024. */
  memoryMb?: number;
}

export interface VmRunResult {
  /** The script's exit status (128 + n when a signal n ended it). */
  code: number;
  /** The script's stdout and stderr, interleaved as written. */
  output: string;
  /** From qemu's start to its exit: boot, script, power-off. The image set-up is not included. */
  durationMs: number;
}

export const DEFAULT_TIMEOUT_MS = 300_000;
const TAIL_LINES = 60;

const SHARE_PREFIX = 'kroute-vm-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes per-run folders left by test processes that were killed before their `finally` ran. */
async function sweepOrphanShares(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries) {
    const match = new RegExp(`^${SHARE_PREFIX}(\\d+)-`).exec(name);
    if (match && !isAlive(Number(match[1]))) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Boots Debian's stock kernel under qemu (TCG) with the host root shared read-only, runs `script` with bash as
 * root inside it, and returns the script's exit status and output. The VM has no network devices; the script
 * makes its own namespaces and links. Writable inside: /tmp, /var/tmp, /run (tmpfs) and $KROUTE_VM_SHARE (the
 * per-run folder, deleted afterwards). The host's /tmp stays readable at $KROUTE_VM_HOST_TMP. `KROUTE_VM=1`.
 * Rejects with VmStartError when qemu cannot start, VmBootError when the guest ends without an exit status,
 * VmTimeoutError when the time limit passes; a failing script is a normal result with a non-zero code.
 */
/** The repository root: this file is packages/testkit/dist/src/vm/run.js. */
const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url)).replace(/\/$/, '');

export async function runInVm(script: string, opts: RunInVmOptions = {}): Promise<VmRunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new VmUsageError(`timeoutMs must be positive, got ${timeoutMs}`);
  // The checkout this harness runs from, so the guest can keep it visible if it lives under /tmp or /var/tmp.
  const env = envFile({ KROUTE_VM_REPO: REPO_ROOT, ...(opts.env ?? {}) });
  const image = await ensureVmImage();
  await sweepOrphanShares();
  const shareDir = await mkdtemp(join(tmpdir(), `${SHARE_PREFIX}${process.pid}-`));
  try {
    await writeFile(join(shareDir, SHARE_FILES.script), script.endsWith('\n') ? script : `${script}\n`);
    await writeFile(join(shareDir, SHARE_FILES.env), env);
    const args = qemuArgs({
      vmlinux: image.vmlinux,
      initrd: image.initrd,
      stage2: image.stage2,
      shareDir,
      memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB,
    });
    const started = performance.now();
    const outcome = await runQemu(args, timeoutMs);
    const durationMs = performance.now() - started;
    if (outcome.kind === 'spawn-failed') {
      throw new VmStartError(
        `cannot start ${QEMU_BINARY} (through setpriv) on this machine: ${outcome.error.message}`,
        { cause: outcome.error },
      );
    }
    const output = (await readOptional(join(shareDir, SHARE_FILES.output))) ?? '';
    const consoleTail = lastLines(outcome.console, TAIL_LINES);
    const outputTail = lastLines(output, TAIL_LINES);
    if (outcome.kind === 'timeout') throw new VmTimeoutError(timeoutMs, consoleTail, outputTail);
    if (outcome.code !== 0) {
      // The guest powering off or panicking ends qemu with status 0; anything else is qemu refusing to run.
      const why = outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with status ${outcome.code}`;
      throw new VmStartError(
        `${QEMU_BINARY} could not run the VM on this machine (it ${why}); is qemu-system-x86 installed ` +
          `(scripts/setup-machine.sh)?\n${consoleTail}`,
      );
    }
    const status = await readOptional(join(shareDir, SHARE_FILES.exitStatus));
    const code = status === null ? NaN : Number.parseInt(status.trim(), 10);
    if (!Number.isInteger(code)) {
      throw new VmBootError(
        'kroute VM ended without the script reporting an exit status (it failed to boot, or the guest crashed)',
        consoleTail,
        outputTail,
      );
    }
    return { code, output, durationMs };
  } finally {
    await rm(shareDir, { recursive: true, force: true });
  }
}
