// Running `ip`, `gobgp` and friends for the namespace lab: stdout back, a typed error with stderr on failure.
import { execFile, execFileSync } from 'node:child_process';

/** A command the lab ran failed; the message carries the command line and its stderr. */
export class LabCommandError extends Error {
  override readonly name = 'LabCommandError';
  constructor(readonly command: string, readonly code: number | string | null, readonly stderr: string) {
    super(`${command}: exit ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  }
}

/** The lab cannot run here (not root, no gobgpd, no `ip netns`). */
export class LabPrerequisiteError extends Error {
  override readonly name = 'LabPrerequisiteError';
}

const COMMAND_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 64 << 20;

export function runCommand(cmd: string, args: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, code: 0 });
      const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
      if (opts.allowFail && typeof code === 'number') return resolve({ stdout, code });
      reject(new LabCommandError([cmd, ...args].join(' '), code, stderr || err.message));
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** `ip -batch -` in one process: starting a process per step dominates the cost of building a lab. */
export async function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await runCommand('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** Synchronous form for exit handlers (no event loop left to await on). Errors are swallowed: best effort. */
export function runCommandSync(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: COMMAND_TIMEOUT_MS }).toString();
  } catch {
    return '';
  }
}

/** Whether `name` is an executable on PATH. */
export function onPath(name: string): boolean {
  return runCommandSync('sh', ['-c', 'command -v "$1"', 'on-path', name]).trim() !== '';
}
