/**
 * Backoff bookkeeping for kernel changes that failed: each is retried later, alone, without holding up the others
 * (kube-router's RouteSync stops at the first error; we do not).
 * @packageDocumentation
 */
import type { FailingChange, ReconcileError } from './report.js';

export interface BackoffOptions {
  /** Delay before the first retry. Default 1 s. */
  readonly initialMs?: number;
  /** Upper bound of the doubling delay. Default 30 s. */
  readonly maxMs?: number;
}

export const DEFAULT_RETRY_INITIAL_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 30_000;

interface Failure extends ReconcileError {
  readonly key: string;
  attempts: number;
  nextAt: number;
}

export class RetryBook {
  private readonly failures = new Map<string, Failure>();
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_RETRY_INITIAL_MS;
    this.maxMs = options.maxMs ?? DEFAULT_RETRY_MAX_MS;
  }

  get size(): number {
    return this.failures.size;
  }

  /** Records a failure of `key` at `now`; returns when to retry it. */
  fail(key: string, error: ReconcileError, now: number): number {
    const previous = this.failures.get(key);
    const attempts = (previous?.attempts ?? 0) + 1;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** (attempts - 1));
    const nextAt = now + delay;
    this.failures.set(key, { ...error, key, attempts, nextAt });
    return nextAt;
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  succeedWhere(match: (key: string) => boolean): void {
    for (const key of [...this.failures.keys()]) if (match(key)) this.failures.delete(key);
  }

  /** Failed attempts so far of `key` (0 when it is not failing). */
  attempts(key: string): number {
    return this.failures.get(key)?.attempts ?? 0;
  }

  has(key: string): boolean {
    return this.failures.has(key);
  }

  /**
   * Keys whose retry time has come; they count as being retried (no retry time) until the retry reports back with
   * {@link fail} or {@link succeed}, so a timer armed on {@link nextAt} never spins on them.
   */
  takeDue(now: number): string[] {
    const out: string[] = [];
    for (const f of this.failures.values()) {
      if (f.nextAt > now) continue;
      out.push(f.key);
      f.nextAt = Number.POSITIVE_INFINITY;
    }
    return out;
  }

  /** The earliest retry time of failures not being retried right now. */
  nextAt(): number | undefined {
    let min: number | undefined;
    for (const f of this.failures.values()) if (f.nextAt !== Number.POSITIVE_INFINITY && (min === undefined || f.nextAt < min)) min = f.nextAt;
    return min;
  }

  list(now: number): FailingChange[] {
    return [...this.failures.values()].map((f) => ({
      key: f.key,
      operation: f.operation,
      code: f.code,
      message: f.message,
      attempts: f.attempts,
      nextAttemptInMs: f.nextAt === Number.POSITIVE_INFINITY ? 0 : Math.max(0, f.nextAt - now),
    }));
  }

  clear(): void {
    this.failures.clear();
  }
}
