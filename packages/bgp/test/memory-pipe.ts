// Shared scaffolding of the socket-free session and speaker tests: a fake clock and an in-memory duplex that stands
// in for a BgpConnection.
import { EventEmitter } from 'node:events';
import type { SessionClock, TimerHandle } from '../src/session/index.js';
import type { BgpConnection } from '../src/transport/index.js';

/** Lets queued microtasks (pipe deliveries) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Lets microtasks and setImmediate work (the speaker's batched flushes) run, a few rounds deep. */
export async function settleImmediates(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await flushMicrotasks();
    await new Promise((r) => setImmediate(r));
  }
}

export class FakeClock implements SessionClock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  /** `settle` runs between timers: what must happen "instantly" between two clock ticks. */
  constructor(private readonly settle: () => Promise<void> = flushMicrotasks) {}
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
  /** Runs due timers in time order, settling pending work before each and after the last. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.settle();
      this.timers = this.timers.filter((x) => x.live);
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
    }
    this.t = end;
    await this.settle();
  }
}

/** One end of an in-memory duplex: what it sends arrives (asynchronously) at its partner as 'data'. */
export class PipeEnd extends EventEmitter {
  partner!: PipeEnd;
  closed = false;
  /** Drop everything this end sends (a frozen peer). */
  blackhole = false;
  /** While set, 'update' sends are delivered but report backpressure; relieve() clears it and emits 'writable'. */
  congested = false;
  readonly info;
  constructor(direction: 'inbound' | 'outbound', local: string, remote: string) {
    super();
    this.info = { direction, family: 4, localAddress: local, localPort: 179, remoteAddress: remote, remotePort: 40000 };
  }
  get writable(): boolean {
    return !this.congested && !this.closed;
  }
  send(bytes: Uint8Array, priority: 'control' | 'update' = 'control'): boolean {
    if (this.closed) throw new Error('closed');
    if (!this.blackhole) {
      const copy = Uint8Array.from(bytes);
      queueMicrotask(() => this.partner.closed || this.partner.emit('data', copy));
    }
    return priority === 'control' || !this.congested;
  }
  relieve(): void {
    this.congested = false;
    this.emit('writable');
  }
  end(): void {
    this.shut();
  }
  destroy(): void {
    this.shut();
  }
  setTtl(): void {}
  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      this.emit('close', { kind: 'local', reason: 'end' });
      if (!this.partner.closed) {
        this.partner.closed = true;
        this.partner.emit('close', { kind: 'remote' });
      }
    });
  }
}

/** A joined pair: `out` is `local`'s outbound end, `inn` the inbound end the peer at `remote` accepts. */
export function pipePair(local: string, remote: string): { out: PipeEnd; inn: PipeEnd } {
  const out = new PipeEnd('outbound', local, remote);
  const inn = new PipeEnd('inbound', remote, local);
  out.partner = inn;
  inn.partner = out;
  return { out, inn };
}

/** The pipe end as the connection type Session and BgpSpeaker take (it implements the parts they use). */
export function asConnection(end: PipeEnd): BgpConnection {
  return end as unknown as BgpConnection;
}
