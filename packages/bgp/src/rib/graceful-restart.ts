// RFC 4724 bookkeeping as pure state machines; the speaker owns the timers and calls the Rib's sweep functions
// with what these return.
import type { Family } from '../wire/types.js';

const MS_PER_SECOND = 1000;

export type ReceivingPhase = 'up' | 'restarting' | 'long-lived' | 'awaiting-eor' | 'down';

/**
 * Receiving-speaker side for one peer (RFC 4724 §4.2): the peer went down gracefully; its paths are stale until it
 * re-advertises them and sends End-of-RIB per family, or until the restart timer expires.
 */
export class ReceivingRestart {
  phase: ReceivingPhase = 'up';
  /** When the restart timer expires (ms), while restarting. */
  deadline: number | undefined;
  /** Families whose stale paths still wait for End-of-RIB. */
  readonly waiting = new Set<Family>();

  /**
   * The session dropped. `restartTimeSeconds` is from the peer's last GR capability; `preserved` are the families
   * it set the Forwarding bit for. Returns the families to keep stale (the rest must be flushed now), and arms
   * the deadline. A peer without GR, or a hard reset (RFC 8538 §3), keeps nothing.
   */
  down(now: number, gr: { restartTimeSeconds: number; preserved: Iterable<Family> } | null): Family[] {
    this.waiting.clear();
    if (gr === null || gr.restartTimeSeconds <= 0) {
      this.phase = 'down';
      this.deadline = undefined;
      return [];
    }
    for (const f of gr.preserved) this.waiting.add(f);
    if (this.waiting.size === 0) {
      this.phase = 'down';
      this.deadline = undefined;
      return [];
    }
    this.phase = 'restarting';
    this.deadline = now + gr.restartTimeSeconds * MS_PER_SECOND;
    return [...this.waiting];
  }

  /**
   * The session is Established again. `stillPreserved` are the families the new OPEN's GR capability marks with
   * the Forwarding bit; stale paths of the others must be flushed now (returned).
   */
  up(stillPreserved: Iterable<Family> | null): Family[] {
    this.deadline = undefined;
    if (this.phase !== 'restarting' && this.phase !== 'long-lived') {
      this.phase = 'up';
      return [];
    }
    const keep = new Set(stillPreserved ?? []);
    const flush = [...this.waiting].filter((f) => !keep.has(f));
    for (const f of flush) this.waiting.delete(f);
    this.phase = this.waiting.size > 0 ? 'awaiting-eor' : 'up';
    return flush;
  }

  /** End-of-RIB for a family: returns true when that family's stale paths must now be swept. */
  endOfRib(family: Family): boolean {
    if (!this.waiting.delete(family)) return false;
    if (this.waiting.size === 0) this.phase = 'up';
    return true;
  }

  /**
   * RFC 9494 §4.2: the restart timer expired and the peer had advertised long-lived GR for `families` with this
   * stale time. Those families stay (Rib.enterLongLivedStale marks their paths); returns the other waiting
   * families, whose stale paths must be deleted now. A stale time of 0 keeps nothing.
   */
  longLived(now: number, staleTimeSeconds: number, families: Iterable<Family>): Family[] {
    const keep = new Set(staleTimeSeconds > 0 ? families : []);
    const flush = [...this.waiting].filter((f) => !keep.has(f));
    for (const f of flush) this.waiting.delete(f);
    if (this.waiting.size === 0) {
      this.phase = 'down';
      this.deadline = undefined;
    } else {
      this.phase = 'long-lived';
      this.deadline = now + staleTimeSeconds * MS_PER_SECOND;
    }
    return flush;
  }

  /** The caller's timer fired: the families whose stale paths must be deleted (all of them, once expired). */
  tick(now: number): Family[] {
    if ((this.phase !== 'restarting' && this.phase !== 'long-lived') || this.deadline === undefined || now < this.deadline) return [];
    const all = [...this.waiting];
    this.waiting.clear();
    this.deadline = undefined;
    this.phase = 'down';
    return all;
  }
}

/**
 * Restarting-speaker side (RFC 4724 §4.1): after our own restart, route selection and advertisement wait until
 * every GR-capable peer has sent End-of-RIB for each of its families, or the selection deferral timer expires.
 */
export class SelectionDeferral {
  private readonly pending = new Map<string, Set<Family>>();
  readonly deadline: number;
  private done = false;

  constructor(now: number, deferralSeconds: number) {
    this.deadline = now + deferralSeconds * MS_PER_SECOND;
  }

  get deferred(): boolean {
    return !this.done;
  }

  /** A GR-capable peer came up: wait for its End-of-RIB on these families. */
  expect(peer: string, families: Iterable<Family>): void {
    if (this.done) return;
    const s = new Set(families);
    if (s.size > 0) this.pending.set(peer, s);
  }

  /** The peer will not send End-of-RIB (no GR, removed, or went down again): stop waiting for it. */
  forget(peer: string): boolean {
    this.pending.delete(peer);
    return this.check();
  }

  /** Returns true when this completes the deferral (the caller then undefers the RIB and sends its table). */
  endOfRib(peer: string, family: Family): boolean {
    const s = this.pending.get(peer);
    if (s === undefined) return false;
    s.delete(family);
    if (s.size === 0) this.pending.delete(peer);
    return this.check();
  }

  /** Returns true when the deferral timer expires now (RFC 4724 §4.1: then proceed without the missing EoRs). */
  tick(now: number): boolean {
    if (this.done || now < this.deadline) return false;
    this.done = true;
    return true;
  }

  /** Call once the expected peers are registered: with none, there is nothing to wait for. */
  check(): boolean {
    if (this.done || this.pending.size > 0) return false;
    this.done = true;
    return true;
  }

  waitingFor(): string[] {
    return [...this.pending.keys()];
  }
}
