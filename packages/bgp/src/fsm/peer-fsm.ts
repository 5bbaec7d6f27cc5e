// Per-peer coordinator over at most two connection state machines (RFC 4271 §8.2.1.2, §6.8).
//
// The first machine is the peer's own: it starts, connects, listens and restarts. When a second TCP connection
// shows up while the first is in OpenSent or OpenConfirm (or Established, with CollisionDetectEstablishedState),
// it gets a machine of its own. The first valid OPEN that makes the two collide decides, by BGP Identifier, which
// one receives OpenCollisionDump (Cease 6/7). Exactly one survives; if it is the second, it takes over as the
// peer's machine. Still sans-IO: timers are named strings the driver schedules and hands back.
import type { BgpError } from '../wire/errors.js';
import { peerAsFromOpen } from '../wire/open.js';
import type { BgpMessage, OpenMessage } from '../wire/types.js';
import { decodeErrorEvent, messageEvent } from './classify.js';
import { collisionSurvivor } from './collision.js';
import { ConnectionFsm, type ConnectionFsmConfig } from './connection-fsm.js';
import type { NegotiatedSession } from './negotiate.js';
import { Cease, ceaseNotification } from './notifications.js';
import { FSM_STATES, type ConnId, type FsmAction, type FsmEnvironment, type FsmEvent, type FsmEventType, type FsmState, type TimerName } from './types.js';

export interface PeerFsmConfig extends ConnectionFsmConfig {
  /** CollisionDetectEstablishedState (RFC 4271 §8): also resolve collisions against an Established session. */
  readonly collisionDetectEstablished: boolean;
}

type AdminEvent = Extract<
  FsmEvent,
  {
    type:
      | 'ManualStart'
      | 'ManualStop'
      | 'AutomaticStart'
      | 'ManualStart_with_PassiveTcpEstablishment'
      | 'AutomaticStart_with_PassiveTcpEstablishment'
      | 'AutomaticStart_with_DampPeerOscillations'
      | 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'
      | 'AutomaticStop';
  }
>;

/** What the driver feeds the coordinator. */
export type PeerEvent =
  | AdminEvent
  /** A timer the coordinator asked for (by the name in its start-timer action) fired. */
  | { readonly type: 'timer'; readonly timer: string }
  | Extract<FsmEvent, { type: 'TcpConnection_Valid' | 'Tcp_CR_Invalid' | 'Tcp_CR_Acked' | 'TcpConnectionConfirmed' | 'TcpConnectionFails' }>
  | { readonly type: 'message'; readonly conn: ConnId; readonly message: BgpMessage }
  | { readonly type: 'decode-error'; readonly conn: ConnId; readonly error: BgpError };

interface Slot {
  readonly id: number;
  readonly fsm: ConnectionFsm;
}

const STATE_RANK: Record<FsmState, number> = Object.fromEntries(FSM_STATES.map((s, i) => [s, i])) as Record<FsmState, number>;
const TIMER_SEPARATOR = '#';
const CONNECTED_STATES: ReadonlySet<FsmState> = new Set(['OpenSent', 'OpenConfirm', 'Established']);

export class PeerFsm {
  private nextConn = 1;
  private nextSlot = 1;
  private primary: Slot;
  private secondary: Slot | undefined;
  /** Outgoing attempts still in flight after an incoming connection won the race in Connect. */
  private readonly orphans = new Set<ConnId>();
  private lastState: FsmState = 'Idle';
  private out: FsmAction[] = [];

  constructor(
    private cfg: PeerFsmConfig,
    private readonly env: FsmEnvironment,
  ) {
    this.primary = this.newSlot();
  }

  /** The peer's state: the most advanced of its connections. */
  get state(): FsmState {
    return this.lastState;
  }
  get connectRetryCounter(): number {
    return this.primary.fsm.connectRetryCounter;
  }
  /** The established connection's negotiated parameters (undefined unless Established). */
  get negotiated(): NegotiatedSession | undefined {
    const s = this.slots().find((x) => x.fsm.state === 'Established');
    return s?.fsm.negotiated;
  }
  /** The connection of the Established session. */
  get establishedConn(): ConnId | undefined {
    return this.slots().find((x) => x.fsm.state === 'Established')?.fsm.conn;
  }
  get connectionCount(): number {
    return this.slots().filter((s) => s.fsm.conn !== undefined).length;
  }
  get oscillations(): number {
    return this.primary.fsm.oscillations;
  }

  /** Live settings change that needs no new session (see ConnectionFsm.reconfigure). */
  reconfigure(cfg: PeerFsmConfig): void {
    this.cfg = cfg;
    for (const s of this.slots()) s.fsm.reconfigure(cfg);
  }

  /** An id for an accepted connection, to pass in TcpConnectionConfirmed. */
  allocateConnection(): ConnId {
    return this.nextConn++;
  }

  handle(ev: PeerEvent): FsmAction[] {
    this.out = [];
    let cause: FsmEventType | undefined;
    let reason: string | undefined;
    const run = (slot: Slot, e: FsmEvent): void => {
      cause = e.type;
      for (const a of slot.fsm.handle(e)) {
        if (a.type === 'start-timer' || a.type === 'stop-timer') {
          this.out.push({ ...a, timer: `${a.timer}${TIMER_SEPARATOR}${slot.id}` });
        } else if (a.type === 'state') {
          if (slot === this.primary && a.reason !== undefined) reason = a.reason;
          if (slot !== this.primary && a.to === 'Idle' && a.reason !== undefined) reason ??= a.reason;
        } else {
          this.out.push(a);
        }
      }
    };

    switch (ev.type) {
      case 'ManualStop':
      case 'AutomaticStop':
        if (this.secondary) run(this.secondary, ev);
        run(this.primary, ev);
        if (ev.type === 'ManualStop') this.closeOrphans();
        break;
      case 'ManualStart':
      case 'AutomaticStart':
      case 'ManualStart_with_PassiveTcpEstablishment':
      case 'AutomaticStart_with_PassiveTcpEstablishment':
      case 'AutomaticStart_with_DampPeerOscillations':
      case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        run(this.primary, ev);
        break;
      case 'timer': {
        const [name, id] = ev.timer.split(TIMER_SEPARATOR);
        const slot = this.slots().find((s) => String(s.id) === id);
        if (slot !== undefined) run(slot, ConnectionFsm.timerEvent(name as TimerName));
        break;
      }
      case 'TcpConnection_Valid':
      case 'Tcp_CR_Invalid':
        run(this.primary, ev);
        break;
      case 'Tcp_CR_Acked':
        if (ev.conn === this.primary.fsm.outgoing) run(this.primary, ev);
        else if (this.orphans.delete(ev.conn)) this.second(ev, run);
        else this.out.push({ type: 'close', conn: ev.conn });
        break;
      case 'TcpConnectionConfirmed':
        if (CONNECTED_STATES.has(this.primary.fsm.state)) this.second(ev, run);
        else run(this.primary, ev);
        break;
      case 'TcpConnectionFails': {
        if (this.orphans.delete(ev.conn)) break;
        const slot = this.owner(ev.conn);
        if (slot !== undefined) run(slot, ev);
        break;
      }
      case 'message':
      case 'decode-error': {
        const slot = this.owner(ev.conn);
        if (slot === undefined) break;
        const e = ev.type === 'message' ? messageEvent(ev.conn, ev.message) : decodeErrorEvent(ev.conn, ev.error);
        if (e.type === 'BGPOpen' && this.collides(slot, e.open, run)) break;
        run(slot, e);
        break;
      }
    }
    this.tidy();
    const now = this.effectiveState();
    if (now !== this.lastState) {
      const record: FsmAction =
        reason === undefined
          ? { type: 'state', from: this.lastState, to: now, event: cause ?? 'ManualStart' }
          : { type: 'state', from: this.lastState, to: now, event: cause ?? 'ManualStart', reason };
      this.lastState = now;
      this.out.push(record);
    }
    return this.out;
  }

  /** A second connection to a peer that already has one past Active (§8.2.2 OpenSent/OpenConfirm events 16/17). */
  private second(ev: Extract<FsmEvent, { type: 'Tcp_CR_Acked' | 'TcpConnectionConfirmed' }>, run: (s: Slot, e: FsmEvent) => void): void {
    const primaryState = this.primary.fsm.state;
    const tracked = this.secondary === undefined && (primaryState !== 'Established' || this.cfg.collisionDetectEstablished);
    if (!tracked) {
      // RFC 4486 §4: Connection Rejected, for a connection we will not run a session on.
      this.out.push({ type: 'send', conn: ev.conn, message: ceaseNotification(Cease.connectionRejected()) });
      this.out.push({ type: 'close', conn: ev.conn });
      return;
    }
    const slot = this.newSlot();
    this.secondary = slot;
    // The second machine starts listening (Active, no timers) and takes the connection like any other.
    run(slot, { type: 'ManualStart_with_PassiveTcpEstablishment' });
    run(slot, ev);
  }

  /**
   * RFC 4271 §6.8: a valid OPEN on one connection while the other is in OpenSent/OpenConfirm (or Established, if
   * configured). The OPEN carries the peer's BGP Identifier, which is the same on both connections. Returns true
   * when the connection the OPEN arrived on was the one dumped (so the OPEN is not processed further).
   */
  private collides(slot: Slot, open: OpenMessage, run: (s: Slot, e: FsmEvent) => void): boolean {
    const other = this.slots().find((s) => s !== slot);
    if (other === undefined) return false;
    const st = other.fsm.state;
    if (!(st === 'OpenSent' || st === 'OpenConfirm' || (st === 'Established' && this.cfg.collisionDetectEstablished))) return false;
    if (slot.fsm.checkOpen(open) !== null) return false; // an invalid OPEN is handled as event 22, no collision
    const survivor = collisionSurvivor(this.cfg.routerId, open.bgpIdentifier, this.cfg.localAs, peerAsFromOpen(open));
    const keepThis =
      slot.fsm.initiatedLocally === other.fsm.initiatedLocally
        ? false // two connections opened the same way: keep the older one
        : slot.fsm.initiatedLocally === (survivor === 'locally-initiated');
    if (keepThis) {
      run(other, { type: 'OpenCollisionDump' });
      return false;
    }
    run(slot, { type: 'OpenCollisionDump' });
    return true;
  }

  /** Drop machines that are done, promote a surviving second connection, and look after orphaned attempts. */
  private tidy(): void {
    if (this.secondary !== undefined && this.secondary.fsm.state === 'Idle') {
      this.discard(this.secondary);
      this.secondary = undefined;
    }
    if (this.secondary !== undefined && !CONNECTED_STATES.has(this.primary.fsm.state)) {
      this.discard(this.primary);
      this.primary = this.secondary;
      this.secondary = undefined;
    }
    if (CONNECTED_STATES.has(this.primary.fsm.state)) {
      const attempt = this.primary.fsm.detachOutgoing();
      if (attempt !== undefined) this.orphans.add(attempt);
    }
    if (this.primary.fsm.state === 'Idle') this.closeOrphans();
  }

  private discard(slot: Slot): void {
    for (const timer of slot.fsm.timers.keys()) this.out.push({ type: 'stop-timer', timer: `${timer}${TIMER_SEPARATOR}${slot.id}` });
    if (slot.fsm.conn !== undefined) this.out.push({ type: 'close', conn: slot.fsm.conn });
    if (slot.fsm.outgoing !== undefined) this.out.push({ type: 'close', conn: slot.fsm.outgoing });
  }

  private closeOrphans(): void {
    for (const conn of this.orphans) this.out.push({ type: 'close', conn });
    this.orphans.clear();
  }

  private owner(conn: ConnId): Slot | undefined {
    return this.slots().find((s) => s.fsm.conn === conn || s.fsm.outgoing === conn);
  }

  private slots(): Slot[] {
    return this.secondary === undefined ? [this.primary] : [this.primary, this.secondary];
  }

  private effectiveState(): FsmState {
    let best = this.primary.fsm.state;
    if (this.secondary !== undefined && STATE_RANK[this.secondary.fsm.state] > STATE_RANK[best]) best = this.secondary.fsm.state;
    return best;
  }

  private newSlot(): Slot {
    return { id: this.nextSlot++, fsm: new ConnectionFsm(this.cfg, this.env, () => this.nextConn++) };
  }
}
