// RFC 4271 §9.2.1.1 MinRouteAdvertisementInterval as a pure state machine: the speaker asks when it may send a
// peer's pending changes and tells it when it did. Batching is per peer (as GoBGP and FRR do) and covers
// withdrawals too, so a burst becomes one batch per interval. Time is injected (milliseconds).
export class MraiTimer {
  private lastSent = Number.NEGATIVE_INFINITY;

  /**
   * @param intervalMs the interval; 0 (kube-router's iBGP default) sends at once.
   * @param jitter RFC 4271 §10 jitter factor source (returns a value in [0.75, 1]); default none.
   */
  constructor(
    readonly intervalMs: number,
    private readonly jitter: () => number = () => 1,
  ) {}

  /** When pending changes may be sent: `now` or later. The caller arms its timer for this if it is later. */
  dueAt(now: number): number {
    if (this.intervalMs <= 0) return now;
    return Math.max(now, this.lastSent + this.intervalMs * this.jitter());
  }

  /** True when a send is allowed at `now`. */
  ready(now: number): boolean {
    return this.dueAt(now) <= now;
  }

  /** The caller sent a batch at `now`. */
  sent(now: number): void {
    this.lastSent = now;
  }

  /** A new session starts with no interval pending (the initial table goes out at once). */
  reset(): void {
    this.lastSent = Number.NEGATIVE_INFINITY;
  }
}
