import { spawn } from 'node:child_process';
import { VmError } from './errors.js';

/** Releases a lock taken by {@link acquireFileLock}. */
export type ReleaseLock = () => Promise<void>;

const LOCKED_MARKER = 'locked';

/**
 * Takes an exclusive flock(2) on `path`, held by a `flock` child process.
 * Node has no flock binding; the child holds the lock until its stdin closes, which also happens when this
 * process dies, so a crashed caller can never leave a stale lock behind (unlike a pid file).
 */
export function acquireFileLock(path: string, timeoutMs: number): Promise<ReleaseLock> {
  const waitSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-w', waitSeconds, path, 'sh', '-c', `echo ${LOCKED_MARKER}; exec cat >/dev/null`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let held = false;
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!held && stdout.includes(LOCKED_MARKER)) {
        held = true;
        resolve(async () => {
          child.stdin.end();
          await exited;
        });
      }
    });
    child.on('error', (cause) => reject(new VmError(`cannot run flock to lock ${path}: ${cause.message}`, { cause })));
    child.on('close', (code) => {
      if (!held) reject(new VmError(`could not lock ${path} within ${timeoutMs} ms (flock exit ${code}): ${stderr.trim()}`));
    });
  });
}
