import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { TestkitError } from './errors.js';

/** A long-running process started by {@link Netns.spawn}; its Lab stops it on cleanup. */
export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr, interleaved (the last {@link OUTPUT_LIMIT_CHARS} characters). */
  output(): string;
  /** Sends `signal` (default SIGTERM); after `graceMs` (default {@link DEFAULT_STOP_GRACE_MS}) sends SIGKILL. Resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Resolves with the exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
}

/** Most daemons exit within this of SIGTERM; past it we stop being polite. */
export const DEFAULT_STOP_GRACE_MS = 2_000;
/** Keeps memory bounded for chatty processes; a log file keeps everything. */
export const OUTPUT_LIMIT_CHARS = 1 << 20;

export class TrackedProcess implements ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private buffer = '';
  private hasExited = false;
  private readonly log: WriteStream | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly description: string,
    logFile?: string,
  ) {
    let finish: (code: number | null) => void = () => undefined;
    this.exited = new Promise((resolve) => {
      finish = (code) => {
        if (this.hasExited) return;
        this.hasExited = true;
        this.log?.end();
        resolve(code);
      };
    });
    // 'close' rather than 'exit': it fires after the output pipes drain, so output() is complete by then.
    child.once('close', (code) => finish(code));
    // Without a listener a failed spawn would be an uncaught exception; after a failed spawn no 'close' may follow.
    child.once('error', () => {
      if (child.pid === undefined) finish(null);
    });
    if (child.pid === undefined) {
      throw new TestkitError(`could not start ${description} (spawn failed before a pid was assigned)`);
    }
    this.pid = child.pid;
    this.log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    const collect = (chunk: Buffer): void => {
      this.buffer += chunk.toString();
      if (this.buffer.length > OUTPUT_LIMIT_CHARS) this.buffer = this.buffer.slice(-OUTPUT_LIMIT_CHARS);
      this.log?.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  get running(): boolean {
    return !this.hasExited;
  }

  output(): string {
    return this.buffer;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.hasExited) return;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), graceMs);
    });
    const first = await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    if (first === 'grace' && !this.hasExited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
