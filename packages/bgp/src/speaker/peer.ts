// The speaker's runtime state for one configured peer: its session, send queue, MRAI, and graceful-restart
// bookkeeping as the receiving speaker (RFC 4724 §4.2).
import type { NegotiatedSession } from '../fsm/negotiate.js';
import { ReceivingRestart } from '../rib/graceful-restart.js';
import { MraiTimer } from '../rib/mrai.js';
import type { TimerHandle } from '../session/clock.js';
import type { Session } from '../session/session.js';
import type { CodecContext, Family } from '../wire/types.js';
import { Outbox } from './outbox.js';
import type { PeerConfig } from './types.js';

export class SpeakerPeer {
  session: Session | undefined;
  outbox: Outbox | undefined;
  negotiated: NegotiatedSession | undefined;
  encode: CodecContext | undefined;
  /** Families negotiated on the Established session. */
  families: ReadonlySet<Family> = new Set();
  established = false;
  mrai: MraiTimer;
  mraiTimer: TimerHandle | undefined;
  readonly receiving = new ReceivingRestart();
  /** Restart timer (peer gone) or stale timer (peer back, End-of-RIB awaited). */
  grTimer: TimerHandle | undefined;
  /** The peer's GR capability from its last OPEN: restart time and the families it listed. */
  lastPeerGr: { restartTime: number; families: Family[]; forwarding: Family[]; notification: boolean } | null = null;
  /** Families whose stale paths wait for this peer's End-of-RIB after our own graceful stop. */
  readonly ownRestartStale = new Set<Family>();
  /** RFC 7313: a ROUTE-REFRESH is being answered for these families (BoRR sent; EoRR after the table). */
  readonly refreshing = new Set<Family>();
  maxPrefixTripped = false;
  /** removePeer() is in progress: its session's end keeps nothing stale. */
  removing = false;

  constructor(
    public config: PeerConfig,
    mraiMs: number,
  ) {
    this.mrai = new MraiTimer(mraiMs);
  }

  get address(): string {
    return this.config.address;
  }

  cancelTimers(): void {
    this.mraiTimer?.cancel();
    this.mraiTimer = undefined;
    this.grTimer?.cancel();
    this.grTimer = undefined;
  }
}
