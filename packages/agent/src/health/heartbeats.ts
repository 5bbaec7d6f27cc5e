// Controller heartbeats and the health verdict behind /healthz, with kube-router's semantics (reference §1.13):
// a controller is healthy while its last heartbeat is no older than its period plus the delay before its first beat
// plus 1.5 s. The clock is injected, so the verdict is plain, testable code.

/** kube-router's slack on top of a controller's period. */
export const HEARTBEAT_TOLERANCE_MS = 1500;

export interface ControllerHealth {
  readonly name: string;
  readonly healthy: boolean;
  readonly periodMs: number;
  readonly lastBeatAgoMs: number | undefined;
}

interface Entry {
  readonly periodMs: number;
  readonly registeredAt: number;
  firstObservedIntervalMs: number | undefined;
  lastBeat: number | undefined;
}

export class Heartbeats {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly now: () => number = Date.now) {}

  /** A controller that promises to beat at least every `periodMs`. */
  register(name: string, periodMs: number): void {
    this.entries.set(name, { periodMs, registeredAt: this.now(), firstObservedIntervalMs: undefined, lastBeat: undefined });
  }

  unregister(name: string): void {
    this.entries.delete(name);
  }

  beat(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    const t = this.now();
    if (e.firstObservedIntervalMs === undefined) e.firstObservedIntervalMs = t - e.registeredAt;
    e.lastBeat = t;
  }

  status(): ControllerHealth[] {
    const t = this.now();
    return [...this.entries].map(([name, e]) => {
      const since = e.lastBeat ?? e.registeredAt;
      const allowance = e.periodMs + (e.firstObservedIntervalMs ?? 0) + HEARTBEAT_TOLERANCE_MS;
      return { name, healthy: t - since <= allowance, periodMs: e.periodMs, lastBeatAgoMs: e.lastBeat === undefined ? undefined : t - e.lastBeat };
    });
  }

  healthy(): boolean {
    return this.status().every((s) => s.healthy);
  }
}
