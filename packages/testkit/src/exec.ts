import { spawn, spawnSync } from 'node:child_process';
import { CommandError } from './errors.js';

/** Result of a finished command. `code` is the exit status, or -1 when a signal ended it. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Return a non-zero result instead of throwing. Timeouts still throw. */
  allowFail?: boolean;
  /** Kill the command (SIGKILL) and throw after this long. */
  timeoutMs?: number;
}

/** Commands in tests are short; one that hangs this long is broken, and a clear error beats a mocha timeout. */
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

const SIGNAL_EXIT_CODE = -1;

function describeCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Runs `cmd args` to completion without a shell, capturing output; throws CommandError on failure. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  const argv = [cmd, ...args];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(`${describeCommand(argv)}: ${e.message}`, argv, null, '', ''));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (timedOut) {
        reject(new CommandError(`${describeCommand(argv)}: timed out after ${timeoutMs} ms\n${stderr}`, argv, null, stdout, stderr));
        return;
      }
      const result = { stdout, stderr, code: code ?? SIGNAL_EXIT_CODE };
      if (result.code !== 0 && !opts.allowFail) {
        reject(new CommandError(`${describeCommand(argv)} failed (exit ${result.code}): ${stderr.trim() || stdout.trim()}`, argv, result.code, stdout, stderr));
        return;
      }
      resolve(result);
    });
    // A command that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Synchronous twin of `run`, for exit and signal handlers where the event loop is gone. Never throws. */
export function runSync(cmd: string, args: readonly string[], timeoutMs = DEFAULT_EXEC_TIMEOUT_MS): ExecResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? ''), code: r.status ?? SIGNAL_EXIT_CODE };
}
