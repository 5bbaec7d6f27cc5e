// The RFC 4271 §8.2.2 state machine for one BGP connection, sans-IO: events in, actions out.
//
// One instance runs per connection (§8.2.1.2). A second connection to the same peer (a collision, §6.8) gets its
// own instance; peer-fsm.ts coordinates the two and resolves the collision. Because of that, the BGPOpen event in
// OpenConfirm/Established that §8.2.2 describes as "collision detection" reaches this machine only as an
// OpenCollisionDump (the coordinator decides); a second OPEN on the *same* connection is an unexpected message
// (RFC 6608 §4: 5/2 or 5/3).
//
// Optional session attributes (§8, §8.1.1): AllowAutomaticStart/Stop, DampPeerOscillations (IdleHoldTimer),
// PassiveTcpEstablishment and DelayOpen (DelayOpenTimer, events 12 and 20) are supported;
// SendNOTIFICATIONwithoutOPEN and TrackTcpState are not (TcpConnection_Valid is accepted and changes nothing).
import { validateOpen } from '../wire/open.js';
import type { BgpError } from '../wire/errors.js';
import type { NotificationMessage, OpenMessage } from '../wire/types.js';
import { checkRequiredCapabilities, negotiate, type NegotiatedSession, type RequiredCapability } from './negotiate.js';
import { Cease, ceaseNotification, fromBgpError, fsmError, holdTimerExpired } from './notifications.js';
import { backoff, jitter, OPEN_HOLD_TIME_MS, OscillationDamper, type BackoffConfig, type DampingConfig } from './timers.js';
import type { CeaseReason, ConnId, DownReason, FsmAction, FsmEnvironment, FsmEvent, FsmEventType, FsmState, TimerName } from './types.js';

const MS_PER_S = 1000;

export interface ConnectionFsmConfig {
  readonly localAs: number;
  /** Our BGP Identifier as an unsigned 32-bit number. */
  readonly routerId: number;
  /** The OPEN we send (its holdTime is our proposed hold time in seconds). */
  readonly localOpen: OpenMessage;
  /** The AS the peer must have; undefined accepts any (RFC 4271 §6.2 2/2 otherwise). */
  readonly peerAs?: number;
  /** Smallest non-zero hold time we accept; RFC 4271 §6.2 requires refusing 1 and 2 (2/6). */
  readonly minHoldTime?: number;
  /** RFC 5492 §5: capabilities the peer must advertise (2/7 otherwise). */
  readonly requiredCapabilities?: readonly RequiredCapability[];
  /** ConnectRetryTime (RFC 4271 §10): grows with consecutive failed attempts, capped, jittered. */
  readonly connectRetry: BackoffConfig;
  /** Wait in Idle before an automatic restart after a failure: grows with consecutive failures, capped, jittered. */
  readonly restart: BackoffConfig;
  /** DampPeerOscillations (RFC 4271 §8.1.1): extra IdleHoldTime for peers that keep failing. */
  readonly damping: DampingConfig;
  readonly dampPeerOscillations: boolean;
  /** AllowAutomaticStart: after a failure, go back to Connect/Active by ourselves after the IdleHoldTimer. */
  readonly autoRestart: boolean;
  /** PassiveTcpEstablishment without ever initiating (like GoBGP's passive-mode): no ConnectRetryTimer in Active. */
  readonly passive: boolean;
  /** DelayOpen (RFC 4271 §8.1.1): wait this long for the peer's OPEN before sending ours; 0 or absent: off. */
  readonly delayOpenMs?: number;
}

/** Timers whose expiry is an event of this machine. */
const TIMER_EVENT: Record<TimerName, FsmEventType> = {
  connectRetry: 'ConnectRetryTimer_Expires',
  hold: 'HoldTimer_Expires',
  keepalive: 'KeepaliveTimer_Expires',
  idleHold: 'IdleHoldTimer_Expires',
  delayOpen: 'DelayOpenTimer_Expires',
};

const START_EVENTS: ReadonlySet<FsmEventType> = new Set([
  'ManualStart',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
]);

/** Events caused by a received message: RFC 6608 names the state in the FSM error subcode for these. */
const MESSAGE_EVENTS: ReadonlySet<FsmEventType> = new Set([
  'BGPOpen',
  'BGPHeaderErr',
  'BGPOpenMsgErr',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'RouteRefreshMsg',
]);

interface IdleOptions {
  readonly notify?: NotificationMessage;
  readonly received?: NotificationMessage;
  /** ConnectRetryCounter: incremented, set to zero, or left alone, as each §8.2.2 paragraph says. */
  readonly counter: 'increment' | 'zero' | 'keep';
  /** "(optionally) performs peer oscillation damping". */
  readonly damp: boolean;
  /** Operator stop: no automatic restart. */
  readonly manual?: boolean;
  readonly description: string;
}

export class ConnectionFsm {
  private stateValue: FsmState = 'Idle';
  private counter = 0;
  /** The TCP connection this machine runs on, once one is up. */
  private connValue: ConnId | undefined;
  /** An outgoing connect in flight. */
  private outgoingValue: ConnId | undefined;
  private initiatedLocallyValue = false;
  private negotiatedValue: NegotiatedSession | undefined;
  private readonly running = new Map<TimerName, number>();
  private readonly damper: OscillationDamper;
  /** Consecutive retries without reaching Established: drives ConnectRetry and restart backoff. */
  private retries = 0;
  /** PassiveTcpEstablishment for the current run (events 4, 5, 7). */
  private passiveRun = false;
  private dampRun: boolean;
  /** An automatic start is waiting for the IdleHoldTimer. */
  private pendingStart: { passive: boolean } | undefined;
  private out: FsmAction[] = [];

  constructor(
    private cfg: ConnectionFsmConfig,
    private readonly env: FsmEnvironment,
    /** Allocates ids for outgoing connections (the coordinator shares one space with accepted ones). */
    private readonly allocateConn: () => ConnId,
  ) {
    this.damper = new OscillationDamper(cfg.damping);
    this.dampRun = cfg.dampPeerOscillations;
  }

  get state(): FsmState {
    return this.stateValue;
  }
  /** ConnectRetryCounter (RFC 4271 §8): attempts that did not become a session. */
  get connectRetryCounter(): number {
    return this.counter;
  }
  get conn(): ConnId | undefined {
    return this.connValue;
  }
  get outgoing(): ConnId | undefined {
    return this.outgoingValue;
  }
  /** True when we opened the TCP connection this machine runs on (§6.8 needs to know). */
  get initiatedLocally(): boolean {
    return this.initiatedLocallyValue;
  }
  get negotiated(): NegotiatedSession | undefined {
    return this.negotiatedValue;
  }
  /** Running timers and their deadlines on the environment's clock. */
  get timers(): ReadonlyMap<TimerName, number> {
    return this.running;
  }
  get oscillations(): number {
    return this.damper.oscillations;
  }

  /**
   * Settings that need no new session (timers, backoff, hold time offered in the next OPEN) take effect from the
   * next use; identity settings (AS, identifier, families) must not change here: the session resets for those.
   */
  reconfigure(cfg: ConnectionFsmConfig): void {
    this.cfg = cfg;
  }

  /** The event a timer's expiry stands for. */
  static timerEvent(timer: TimerName): FsmEvent {
    return { type: TIMER_EVENT[timer] } as FsmEvent;
  }

  /**
   * Hands the outgoing attempt over to the caller: after an incoming connection won the race in Connect, the
   * attempt still in flight may become a second connection (§8.2.2 OpenSent, events 16/17), which the coordinator
   * tracks.
   */
  detachOutgoing(): ConnId | undefined {
    const id = this.outgoingValue;
    this.outgoingValue = undefined;
    return id;
  }

  handle(event: FsmEvent): FsmAction[] {
    this.out = [];
    if (event.type in TIMER_EVENT_NAMES) {
      // A timer that fired has stopped running.
      this.running.delete(TIMER_EVENT_NAMES[event.type]!);
    }
    switch (this.stateValue) {
      case 'Idle':
        this.idle(event);
        break;
      case 'Connect':
        this.connect(event);
        break;
      case 'Active':
        this.active(event);
        break;
      case 'OpenSent':
        this.openSent(event);
        break;
      case 'OpenConfirm':
        this.openConfirm(event);
        break;
      case 'Established':
        this.established(event);
        break;
    }
    return this.out;
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 Idle

  private idle(e: FsmEvent): void {
    switch (e.type) {
      case 'ManualStart':
      case 'AutomaticStart':
        this.dampRun = false;
        this.start(e.type, false);
        return;
      case 'ManualStart_with_PassiveTcpEstablishment':
      case 'AutomaticStart_with_PassiveTcpEstablishment':
        this.dampRun = false;
        this.start(e.type, true);
        return;
      case 'AutomaticStart_with_DampPeerOscillations':
      case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
        // §8.2.2 Idle: events 6 and 7 use the IdleHoldTimer to prevent peer oscillations.
        this.dampRun = true;
        const passive = e.type !== 'AutomaticStart_with_DampPeerOscillations';
        const hold = this.damper.idleHoldMs(this.env.now());
        if (hold > 0) {
          this.pendingStart = { passive };
          this.startTimer('idleHold', hold);
        } else {
          this.start(e.type, passive);
        }
        return;
      }
      case 'IdleHoldTimer_Expires':
        if (this.pendingStart !== undefined) this.start(e.type, this.pendingStart.passive);
        return;
      case 'ManualStop':
        // §8.2.2: ignored in Idle, but an operator stop also cancels a pending automatic restart.
        this.pendingStart = undefined;
        this.stopTimer('idleHold');
        return;
      case 'TcpConnection_Valid':
      case 'Tcp_CR_Invalid':
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
        // §8.2.2 Idle: "refuses all incoming BGP connections"; a late outgoing attempt is dropped too.
        this.out.push({ type: 'close', conn: e.conn });
        return;
      default:
        // §8.2.2 Idle: any other event does not change the state.
        return;
    }
  }

  private start(event: FsmEventType, passive: boolean): void {
    const manual = event === 'ManualStart' || event === 'ManualStart_with_PassiveTcpEstablishment';
    if (manual) this.retries = 0;
    this.pendingStart = undefined;
    this.stopTimer('idleHold');
    this.counter = 0;
    this.passiveRun = passive || this.cfg.passive;
    if (this.passiveRun) {
      if (!this.cfg.passive) this.startTimer('connectRetry', this.connectRetryMs());
      this.setState('Active', event);
    } else {
      this.startTimer('connectRetry', this.connectRetryMs());
      this.initiate();
      this.setState('Connect', event);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 Connect

  private connect(e: FsmEvent): void {
    if (START_EVENTS.has(e.type)) return;
    const delaying = this.running.has('delayOpen');
    switch (e.type) {
      case 'ManualStop':
        this.stopTimer('delayOpen');
        this.dropTcp();
        this.counter = 0;
        this.stopTimer('connectRetry');
        this.setState('Idle', e.type, 'manual stop');
        return;
      case 'ConnectRetryTimer_Expires':
        this.dropTcp();
        this.retries += 1;
        this.startTimer('connectRetry', this.connectRetryMs());
        this.stopTimer('delayOpen');
        this.initiate();
        this.setState('Connect', e.type);
        return;
      case 'DelayOpenTimer_Expires':
        if (this.connValue !== undefined) this.sendOpenAfterDelay(e.type);
        return;
      case 'TcpConnection_Valid':
        return;
      case 'Tcp_CR_Invalid':
        this.out.push({ type: 'close', conn: e.conn });
        return;
      case 'Tcp_CR_Acked':
        if (e.conn !== this.outgoingValue || this.connValue !== undefined) {
          // A stale attempt from before a ConnectRetry restart, or one more while DelayOpen waits on the first.
          if (e.conn === this.outgoingValue) this.outgoingValue = undefined;
          this.out.push({ type: 'close', conn: e.conn });
          return;
        }
        this.outgoingValue = undefined;
        this.connected(e.type, e.conn, true);
        return;
      case 'TcpConnectionConfirmed':
        if (this.connValue !== undefined) {
          this.out.push({ type: 'close', conn: e.conn }); // DelayOpen is already waiting on a connection
          return;
        }
        // The outgoing attempt (if any) stays in flight; the coordinator may track it as a second connection.
        this.connected(e.type, e.conn, false);
        return;
      case 'TcpConnectionFails':
        if (delaying && e.conn === this.connValue) {
          // §8.2.2 Connect event 18 with the DelayOpenTimer running: back to listening in Active.
          this.stopTimer('delayOpen');
          this.dropTcp();
          this.startTimer('connectRetry', this.connectRetryMs());
          this.setState('Active', e.type, 'TCP connection failed');
          return;
        }
        if (e.conn !== this.outgoingValue) return;
        if (this.connValue !== undefined) {
          this.outgoingValue = undefined; // our attempt failed, but DelayOpen is waiting on the peer's connection
          return;
        }
        // DelayOpenTimer not running: stop the ConnectRetryTimer, drop the connection, go Idle.
        this.stopTimer('connectRetry');
        this.toIdle(e.type, { counter: 'keep', damp: false, description: 'TCP connection failed' });
        return;
      case 'BGPOpen':
        if (delaying && e.conn === this.connValue) {
          this.openWhileDelaying(e.open);
          return;
        }
        this.toIdle(e.type, { counter: 'increment', damp: true, description: `unexpected ${e.type} in Connect` });
        return;
      case 'NotifMsgVerErr':
        // §8.2.2 Connect event 24: no counter increment or damping while the DelayOpenTimer runs.
        this.toIdle(e.type, {
          counter: delaying ? 'keep' : 'increment',
          damp: !delaying,
          received: e.notification,
          description: describeReceived(e.notification),
        });
        return;
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        // SendNOTIFICATIONwithoutOPEN is not set: no NOTIFICATION before our OPEN.
        this.toIdle(e.type, { counter: 'increment', damp: true, description: e.error.describe() });
        return;
      default:
        // §8.2.2 Connect: events 8, 10-11, 13, 19, 23, 25-28.
        this.toIdle(e.type, { counter: 'increment', damp: true, ...receivedOf(e), description: `unexpected ${e.type} in Connect` });
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 Active

  private active(e: FsmEvent): void {
    if (START_EVENTS.has(e.type)) return;
    const delaying = this.running.has('delayOpen');
    switch (e.type) {
      case 'ManualStop':
        // SendNOTIFICATIONwithoutOPEN is not set: no Cease while DelayOpen waits.
        this.stopTimer('delayOpen');
        this.dropTcp();
        this.counter = 0;
        this.stopTimer('connectRetry');
        this.setState('Idle', e.type, 'manual stop');
        return;
      case 'ConnectRetryTimer_Expires':
        this.retries += 1;
        this.startTimer('connectRetry', this.connectRetryMs());
        this.initiate();
        this.setState('Connect', e.type);
        return;
      case 'DelayOpenTimer_Expires':
        if (this.connValue !== undefined) this.sendOpenAfterDelay(e.type);
        return;
      case 'TcpConnection_Valid':
        return;
      case 'Tcp_CR_Invalid':
        this.out.push({ type: 'close', conn: e.conn });
        return;
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
        if (this.connValue !== undefined) {
          this.out.push({ type: 'close', conn: e.conn }); // DelayOpen is already waiting on a connection
          return;
        }
        this.connected(e.type, e.conn, e.type === 'Tcp_CR_Acked');
        return;
      case 'TcpConnectionFails':
        // §8.2.2 Active event 18: the ConnectRetryTimer restart is moot in Idle; the restart backoff replaces it.
        this.toIdle(e.type, { counter: 'increment', damp: true, description: 'TCP connection failed' });
        return;
      case 'BGPOpen':
        if (delaying && e.conn === this.connValue) {
          this.openWhileDelaying(e.open);
          return;
        }
        this.toIdle(e.type, { counter: 'increment', damp: true, description: `unexpected ${e.type} in Active` });
        return;
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        this.toIdle(e.type, { counter: 'increment', damp: true, description: e.error.describe() });
        return;
      case 'NotifMsgVerErr':
        this.toIdle(e.type, {
          counter: delaying ? 'keep' : 'increment',
          damp: !delaying,
          received: e.notification,
          description: describeReceived(e.notification),
        });
        return;
      default:
        // §8.2.2 Active: events 8, 10-11, 13, 19, 23, 25-28.
        this.toIdle(e.type, { counter: 'increment', damp: true, ...receivedOf(e), description: `unexpected ${e.type} in Active` });
        return;
    }
  }

  /** §8.2.2 Connect/Active event 12: the peer sent no OPEN in time; send ours and wait for theirs. */
  private sendOpenAfterDelay(event: FsmEventType): void {
    this.stopTimer('connectRetry');
    this.stopTimer('delayOpen');
    this.send(this.cfg.localOpen);
    this.startTimer('hold', OPEN_HOLD_TIME_MS);
    this.setState('OpenSent', event);
  }

  /** §8.2.2 Connect/Active event 20: the peer's OPEN came first; answer with OPEN and KEEPALIVE at once. */
  private openWhileDelaying(open: OpenMessage): void {
    const error = this.checkOpen(open);
    if (error !== null) {
      // Event 22 in Connect/Active; without SendNOTIFICATIONwithoutOPEN no NOTIFICATION precedes our OPEN.
      this.toIdle('BGPOpenMsgErr', { counter: 'increment', damp: true, description: error.describe() });
      return;
    }
    const negotiated = negotiate(this.cfg.localOpen, open, this.cfg.localAs);
    this.negotiatedValue = negotiated;
    this.stopTimer('connectRetry');
    this.stopTimer('delayOpen');
    this.send(this.cfg.localOpen);
    this.send({ type: 'keepalive' });
    if (negotiated.holdTime > 0) {
      this.startTimer('keepalive', this.keepaliveMs());
      this.startTimer('hold', negotiated.holdTime * MS_PER_S);
    }
    this.setState('OpenConfirm', 'BGPOpen');
  }

  /** §8.2.2 Connect/Active, events 16/17: send our OPEN, or with DelayOpen wait for the peer's first. */
  private connected(event: FsmEventType, conn: ConnId, local: boolean): void {
    this.stopTimer('connectRetry');
    this.connValue = conn;
    this.initiatedLocallyValue = local;
    const delay = this.cfg.delayOpenMs ?? 0;
    if (delay > 0) {
      this.startTimer('delayOpen', delay);
      return;
    }
    this.send(this.cfg.localOpen);
    this.startTimer('hold', OPEN_HOLD_TIME_MS);
    this.setState('OpenSent', event);
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 OpenSent

  private openSent(e: FsmEvent): void {
    if (START_EVENTS.has(e.type)) return;
    if (this.foreign(e)) return;
    switch (e.type) {
      case 'ManualStop':
        this.manualStop(e.cease);
        return;
      case 'AutomaticStop':
        this.automaticStop(e.cease);
        return;
      case 'HoldTimer_Expires':
        this.holdTimerExpires();
        return;
      case 'TcpConnection_Valid':
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
      case 'Tcp_CR_Invalid':
        // A second connection: tracked by the coordinator (§6.8); an invalid one is ignored.
        return;
      case 'TcpConnectionFails':
        // §8.2.2 OpenSent event 18: close, restart the ConnectRetryTimer, listen, Active.
        this.dropTcp();
        this.stopTimer('hold');
        if (!this.cfg.passive) this.startTimer('connectRetry', this.connectRetryMs());
        this.setState('Active', e.type, 'TCP connection failed');
        return;
      case 'BGPOpen': {
        const error = this.checkOpen(e.open);
        if (error !== null) {
          this.toIdle('BGPOpenMsgErr', { notify: fromBgpError(error), counter: 'increment', damp: true, description: error.describe() });
          return;
        }
        const negotiated = negotiate(this.cfg.localOpen, e.open, this.cfg.localAs);
        this.negotiatedValue = negotiated;
        this.stopTimer('connectRetry');
        this.send({ type: 'keepalive' });
        this.stopTimer('hold');
        if (negotiated.holdTime > 0) {
          this.startTimer('keepalive', this.keepaliveMs());
          this.startTimer('hold', negotiated.holdTime * MS_PER_S);
        }
        this.setState('OpenConfirm', e.type);
        return;
      }
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        this.toIdle(e.type, { notify: fromBgpError(e.error), counter: 'increment', damp: true, description: e.error.describe() });
        return;
      case 'OpenCollisionDump':
        this.toIdle(e.type, { notify: ceaseNotification(Cease.collision()), counter: 'increment', damp: true, description: 'connection collision' });
        return;
      case 'NotifMsgVerErr':
        // §8.2.2 OpenSent event 24: no counter increment, no damping.
        this.toIdle(e.type, { counter: 'keep', damp: false, received: e.notification, description: describeReceived(e.notification) });
        return;
      default:
        // §8.2.2 OpenSent: events 9, 11-13, 20, 25-28 get an FSM error (RFC 6608 §4 subcodes).
        this.fsmErrorToIdle(e);
        return;
    }
  }

  /** RFC 4271 §6.2 checks plus required capabilities (RFC 5492 §5): the error to send, or null. */
  checkOpen(open: OpenMessage): BgpError | null {
    const expect: Parameters<typeof validateOpen>[1] = {
      localAs: this.cfg.localAs,
      localBgpId: this.cfg.routerId,
      ...(this.cfg.peerAs !== undefined ? { peerAs: this.cfg.peerAs } : {}),
      ...(this.cfg.minHoldTime !== undefined ? { minHoldTime: this.cfg.minHoldTime } : {}),
    };
    return validateOpen(open, expect) ?? checkRequiredCapabilities(open, this.cfg.requiredCapabilities ?? []);
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 OpenConfirm

  private openConfirm(e: FsmEvent): void {
    if (START_EVENTS.has(e.type)) return;
    if (this.foreign(e)) return;
    switch (e.type) {
      case 'ManualStop':
        this.manualStop(e.cease);
        return;
      case 'AutomaticStop':
        this.automaticStop(e.cease);
        return;
      case 'HoldTimer_Expires':
        this.holdTimerExpires();
        return;
      case 'KeepaliveTimer_Expires':
        this.send({ type: 'keepalive' });
        this.startTimer('keepalive', this.keepaliveMs());
        return;
      case 'TcpConnection_Valid':
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
      case 'Tcp_CR_Invalid':
        return;
      case 'TcpConnectionFails':
        this.toIdle(e.type, { counter: 'increment', damp: true, description: 'TCP connection failed' });
        return;
      case 'NotifMsg':
        this.toIdle(e.type, { counter: 'increment', damp: true, received: e.notification, description: describeReceived(e.notification) });
        return;
      case 'NotifMsgVerErr':
        this.toIdle(e.type, { counter: 'keep', damp: false, received: e.notification, description: describeReceived(e.notification) });
        return;
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        this.toIdle(e.type, { notify: fromBgpError(e.error), counter: 'increment', damp: true, description: e.error.describe() });
        return;
      case 'OpenCollisionDump':
        this.toIdle(e.type, { notify: ceaseNotification(Cease.collision()), counter: 'increment', damp: true, description: 'connection collision' });
        return;
      case 'KeepAliveMsg': {
        const negotiated = this.negotiatedValue!;
        if (negotiated.holdTime > 0) this.startTimer('hold', negotiated.holdTime * MS_PER_S);
        this.retries = 0;
        this.setState('Established', e.type);
        this.out.push({ type: 'established', conn: this.connValue!, negotiated });
        return;
      }
      default:
        // §8.2.2 OpenConfirm: events 9, 12-13, 20, 27-28, and (one FSM per connection) an OPEN on this connection.
        this.fsmErrorToIdle(e);
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // §8.2.2 Established

  private established(e: FsmEvent): void {
    if (START_EVENTS.has(e.type)) return;
    if (this.foreign(e)) return;
    const holdMs = (this.negotiatedValue?.holdTime ?? 0) * MS_PER_S;
    switch (e.type) {
      case 'ManualStop':
        this.manualStop(e.cease);
        return;
      case 'AutomaticStop':
        this.automaticStop(e.cease);
        return;
      case 'HoldTimer_Expires':
        this.holdTimerExpires();
        return;
      case 'KeepaliveTimer_Expires':
        this.send({ type: 'keepalive' });
        if (holdMs > 0) this.startTimer('keepalive', this.keepaliveMs());
        return;
      case 'TcpConnection_Valid':
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
      case 'Tcp_CR_Invalid':
        return;
      case 'OpenCollisionDump':
        this.toIdle(e.type, { notify: ceaseNotification(Cease.collision()), counter: 'increment', damp: true, description: 'connection collision' });
        return;
      case 'NotifMsgVerErr':
      case 'NotifMsg':
        // §8.2.2 Established events 24/25: no damping listed.
        this.toIdle(e.type, { counter: 'increment', damp: false, received: e.notification, description: describeReceived(e.notification) });
        return;
      case 'TcpConnectionFails':
        this.toIdle(e.type, { counter: 'increment', damp: false, description: 'TCP connection failed' });
        return;
      case 'KeepAliveMsg':
      case 'UpdateMsg':
      case 'RouteRefreshMsg':
        if (holdMs > 0) this.startTimer('hold', holdMs);
        return;
      case 'UpdateMsgErr':
        this.toIdle(e.type, { notify: fromBgpError(e.error), counter: 'increment', damp: true, description: e.error.describe() });
        return;
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        // §8.2.2 lists 21-22 under "FSM error", but §6.1/§6.2 name the error to send; we send what §6 says.
        this.toIdle(e.type, { notify: fromBgpError(e.error), counter: 'increment', damp: true, description: e.error.describe() });
        return;
      default:
        // §8.2.2 Established: events 9, 12-13, 20 (and an OPEN on this connection): FSM error.
        this.fsmErrorToIdle(e);
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Shared steps

  private manualStop(cease: CeaseReason | undefined): void {
    // §8.2.2 OpenSent/OpenConfirm/Established event 2: Cease, counter to zero, no damping.
    this.toIdle('ManualStop', { notify: ceaseNotification(cease ?? Cease.adminShutdown()), counter: 'zero', damp: false, manual: true, description: 'manual stop' });
  }

  private holdTimerExpires(): void {
    // §8.2.2 OpenSent/OpenConfirm/Established event 10: NOTIFICATION 4/0, counter + 1, damping.
    this.toIdle('HoldTimer_Expires', { notify: holdTimerExpired(), counter: 'increment', damp: true, description: 'hold timer expired' });
  }

  private automaticStop(cease: CeaseReason | undefined): void {
    // §8.2.2 OpenSent/OpenConfirm/Established event 8: Cease, counter + 1, damping. RFC 4486: default subcode is
    // "administrative shutdown" unless the stop names its reason (e.g. max prefixes).
    this.toIdle('AutomaticStop', { notify: ceaseNotification(cease ?? Cease.adminShutdown()), counter: 'increment', damp: true, description: 'automatic stop' });
  }

  private fsmErrorToIdle(e: FsmEvent): void {
    const causedByMessage = MESSAGE_EVENTS.has(e.type);
    this.toIdle(e.type, {
      notify: fsmError(this.stateValue, causedByMessage),
      counter: 'increment',
      damp: true,
      ...receivedOf(e),
      description: `unexpected ${e.type} in ${this.stateValue}`,
    });
  }

  /** Events about a connection this machine does not own are not its business (the coordinator routes them). */
  private foreign(e: FsmEvent): boolean {
    if (!('conn' in e)) return false;
    if (e.type === 'TcpConnection_Valid' || e.type === 'Tcp_CR_Invalid' || e.type === 'Tcp_CR_Acked' || e.type === 'TcpConnectionConfirmed') return false;
    return e.conn !== this.connValue;
  }

  /** Release resources, drop the TCP connection, and go to Idle; then schedule an automatic restart if allowed. */
  private toIdle(event: FsmEventType, o: IdleOptions): void {
    if (o.notify !== undefined) this.send(o.notify);
    this.stopTimer('connectRetry');
    this.stopTimer('hold');
    this.stopTimer('keepalive');
    this.stopTimer('delayOpen');
    const wasEstablished = this.stateValue === 'Established';
    this.dropTcp();
    if (o.counter === 'increment') this.counter += 1;
    else if (o.counter === 'zero') this.counter = 0;
    const now = this.env.now();
    if (o.damp && this.dampRun) this.damper.record(now);
    this.negotiatedValue = undefined;
    if (wasEstablished) {
      const reason: DownReason = { event, description: o.description, ...(o.notify ? { sent: o.notify } : {}), ...(o.received ? { received: o.received } : {}) };
      this.out.push({ type: 'down', reason });
    }
    this.setState('Idle', event, o.description);
    if (!o.manual && this.cfg.autoRestart) {
      this.retries += 1;
      const delay = Math.max(backoff(this.cfg.restart, this.retries - 1, () => this.env.random()), this.dampRun ? this.damper.idleHoldMs(now) : 0);
      this.pendingStart = { passive: this.passiveRun };
      this.startTimer('idleHold', delay);
    }
  }

  private initiate(): void {
    const conn = this.allocateConn();
    this.outgoingValue = conn;
    this.out.push({ type: 'connect', conn });
  }

  private dropTcp(): void {
    if (this.connValue !== undefined) this.out.push({ type: 'close', conn: this.connValue });
    if (this.outgoingValue !== undefined) this.out.push({ type: 'close', conn: this.outgoingValue });
    this.connValue = undefined;
    this.outgoingValue = undefined;
  }

  private send(message: OpenMessage | NotificationMessage | { type: 'keepalive' }): void {
    if (this.connValue !== undefined) this.out.push({ type: 'send', conn: this.connValue, message });
  }

  private startTimer(timer: TimerName, ms: number): void {
    this.running.set(timer, this.env.now() + ms);
    this.out.push({ type: 'start-timer', timer, ms });
  }

  private stopTimer(timer: TimerName): void {
    if (!this.running.delete(timer)) return;
    this.out.push({ type: 'stop-timer', timer });
  }

  private connectRetryMs(): number {
    return backoff(this.cfg.connectRetry, this.retries, () => this.env.random());
  }

  /** RFC 4271 §10: KeepaliveTime is a third of the hold time, jittered. */
  private keepaliveMs(): number {
    return jitter((this.negotiatedValue!.holdTime * MS_PER_S) / 3, () => this.env.random());
  }

  private setState(to: FsmState, event: FsmEventType, reason?: string): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    this.out.push(reason === undefined ? { type: 'state', from, to, event } : { type: 'state', from, to, event, reason });
  }
}

const TIMER_EVENT_NAMES: Partial<Record<FsmEventType, TimerName>> = {
  ConnectRetryTimer_Expires: 'connectRetry',
  HoldTimer_Expires: 'hold',
  KeepaliveTimer_Expires: 'keepalive',
  IdleHoldTimer_Expires: 'idleHold',
  DelayOpenTimer_Expires: 'delayOpen',
};

function describeReceived(n: NotificationMessage): string {
  const text = n.shutdownCommunication !== undefined ? `: "${n.shutdownCommunication}"` : '';
  return `received NOTIFICATION ${n.code}/${n.subcode}${text}`;
}

function receivedOf(e: FsmEvent): { received?: NotificationMessage } {
  return e.type === 'NotifMsg' || e.type === 'NotifMsgVerErr' ? { received: e.notification } : {};
}
