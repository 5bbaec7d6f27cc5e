// A BGP session with one peer: drives the sans-IO PeerFsm with real (injectable) timers, the TCP transport and the
// codec, and exposes what later layers need: state, negotiated capabilities, counters, errors and events.
import { EventEmitter } from 'node:events';
import { PeerFsm, type PeerEvent } from '../fsm/peer-fsm.js';
import type { NegotiatedSession } from '../fsm/negotiate.js';
import { Cease } from '../fsm/notifications.js';
import type { CeaseReason, ConnId, DownReason, FsmAction, FsmState } from '../fsm/types.js';
import { BgpError } from '../wire/errors.js';
import { decodeMessage, encodeMessage } from '../wire/message.js';
import { describeNotification } from '../wire/notification.js';
import { MessageReader } from '../wire/reader.js';
import { DEFAULT_CODEC_CONTEXT, type BgpMessage, type CodecContext, type NotificationMessage, type RouteRefreshMessage, type UpdateMessage } from '../wire/types.js';
import { canonicalAddress } from '../transport/addresses.js';
import { connectPeer, type ConnectOptions } from '../transport/connect.js';
import type { BgpConnection } from '../transport/connection.js';
import type { BgpListener } from '../transport/listener.js';
import { ttlSettings, type TtlSettings } from '../transport/ttl.js';
import { realClock, type SessionClock, type TimerHandle } from './clock.js';
import { DEFAULT_HOLD_TIME, fsmConfigOf, peerPortOf, RESET_KEYS, validateSessionConfig, type SessionConfig } from './config.js';
import { SessionStateError } from './errors.js';

export type MessageKind = BgpMessage['type'];
export type MessageCounters = Record<MessageKind, number>;

export interface ErrorRecord {
  readonly code: number;
  readonly subcode: number;
  /** "Cease / Administrative Shutdown". */
  readonly description: string;
  /** RFC 9003 shutdown communication, when the NOTIFICATION carried one. */
  readonly communication?: string;
  /** The NOTIFICATION's data field, hex. */
  readonly data: string;
  /** Wall-clock milliseconds. */
  readonly at: number;
}

export interface StateChange {
  readonly from: FsmState;
  readonly to: FsmState;
  readonly event: string;
  readonly reason?: string;
  readonly at: number;
}

export interface SessionEvents {
  state: [change: StateChange];
  established: [negotiated: NegotiatedSession];
  down: [reason: DownReason];
  update: [update: UpdateMessage];
  'route-refresh': [message: RouteRefreshMessage];
  notification: [direction: 'sent' | 'received', notification: NotificationMessage];
  /** A message handed to the transport (for timing and tracing; UPDATEs included). */
  sent: [kind: MessageKind];
}

export type SessionLogger = (level: 'info' | 'warn', message: string) => void;

export interface SessionOptions {
  readonly clock?: SessionClock;
  readonly random?: () => number;
  /** The speaker's listener: the session registers its peer (MD5 key, TTL) there; see dispatchConnections. */
  readonly listener?: BgpListener;
  /** Outgoing connections (default: the transport's connectPeer). */
  readonly connect?: (options: ConnectOptions) => Promise<BgpConnection>;
  readonly log?: SessionLogger;
}

interface ConnEntry {
  readonly id: ConnId;
  connection?: BgpConnection;
  abort?: AbortController;
  readonly reader: MessageReader;
  decode: CodecContext;
  encode: CodecContext;
}

const zeroCounters = (): MessageCounters => ({ open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 });
const noLog: SessionLogger = () => {};

export class Session extends EventEmitter<SessionEvents> {
  private cfg: SessionConfig;
  private fsm: PeerFsm;
  private readonly clock: SessionClock;
  private readonly random: () => number;
  private readonly listener: BgpListener | undefined;
  private readonly connectFn: (options: ConnectOptions) => Promise<BgpConnection>;
  private readonly log: SessionLogger;
  private readonly conns = new Map<ConnId, ConnEntry>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly queue: PeerEvent[] = [];
  private busy = false;
  private started = false;
  private deconfigured = false;
  private establishedAt: number | undefined;
  private readonly sent = zeroCounters();
  private readonly received = zeroCounters();
  private lastSent: ErrorRecord | undefined;
  private lastReceived: ErrorRecord | undefined;
  private lastChange: StateChange | undefined;
  private lastTransport: string | undefined;

  constructor(config: SessionConfig, options: SessionOptions = {}) {
    super();
    validateSessionConfig(config);
    this.cfg = config;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.listener = options.listener;
    this.connectFn = options.connect ?? connectPeer;
    this.log = options.log ?? noLog;
    this.fsm = this.newFsm();
    this.registerWithListener();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Introspection

  get config(): SessionConfig {
    return this.cfg;
  }
  get peerAddress(): string {
    return canonicalAddress(this.cfg.peerAddress);
  }
  get state(): FsmState {
    return this.fsm.state;
  }
  /** Milliseconds since the session became Established (0 when it is not). */
  get uptimeMs(): number {
    return this.establishedAt === undefined ? 0 : this.clock.now() - this.establishedAt;
  }
  get negotiated(): NegotiatedSession | undefined {
    return this.fsm.negotiated;
  }
  get messages(): { readonly sent: Readonly<MessageCounters>; readonly received: Readonly<MessageCounters> } {
    return { sent: { ...this.sent }, received: { ...this.received } };
  }
  /** The last NOTIFICATION in each direction, and the last transport failure. */
  get lastError(): { readonly sent?: ErrorRecord; readonly received?: ErrorRecord; readonly transport?: string } {
    return {
      ...(this.lastSent ? { sent: this.lastSent } : {}),
      ...(this.lastReceived ? { received: this.lastReceived } : {}),
      ...(this.lastTransport ? { transport: this.lastTransport } : {}),
    };
  }
  get lastStateChange(): StateChange | undefined {
    return this.lastChange;
  }
  get connectRetryCounter(): number {
    return this.fsm.connectRetryCounter;
  }
  /** TCP connections currently open or being opened for this peer. */
  get connectionCount(): number {
    return this.conns.size;
  }
  /** The connection of the Established session, for diagnostics (TTL read-back, queue sizes). */
  get connection(): BgpConnection | undefined {
    const id = this.fsm.establishedConn;
    return id === undefined ? undefined : this.conns.get(id)?.connection;
  }

  /** A JSON-ready snapshot in the shape of DESIGN.md's REST neighbor (minus the RIB's prefix counts). */
  status(): SessionStatus {
    const n = this.negotiated;
    const internal = this.cfg.peerAs === this.cfg.localAs;
    return {
      address: this.peerAddress,
      port: peerPortOf(this.cfg),
      asn: this.cfg.peerAs,
      localAddress: this.connection?.info.localAddress ?? this.cfg.localAddress ?? null,
      type: internal ? 'internal' : 'external',
      state: this.state,
      uptimeSeconds: Math.floor(this.uptimeMs / MS_PER_S),
      holdTime: n?.holdTime ?? this.cfg.holdTime ?? DEFAULT_HOLD_TIME,
      keepaliveInterval: n?.keepaliveTime ?? Math.floor((this.cfg.holdTime ?? DEFAULT_HOLD_TIME) / 3),
      families: n ? [...n.families] : [],
      capabilities: n ? capabilityNames(n) : [],
      gracefulRestart: n ? { local: n.gracefulRestart.local ?? null, remote: n.gracefulRestart.remote ?? null } : null,
      messages: this.messages,
      lastError: this.lastError,
      lastStateChange: this.lastChange ?? null,
      connectRetryCounter: this.connectRetryCounter,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Control

  /** ManualStart (RFC 4271 §8.1.2 event 1, or 4 for a passive peer). */
  start(): void {
    this.ensureConfigured();
    this.started = true;
    this.dispatch(this.cfg.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' });
  }

  /** ManualStop with Administrative Shutdown (RFC 4486 6/2) and an optional RFC 9003 shutdown communication. */
  stop(communication?: string): void {
    this.started = false;
    this.dispatch({ type: 'ManualStop', cease: Cease.adminShutdown(communication) });
  }

  /** Administrative Reset (6/4): the session ends and starts again. */
  reset(communication?: string): void {
    this.restartWith(Cease.adminReset(communication));
  }

  /** AutomaticStop (event 8) with a reason, e.g. Cease.maxPrefixes(...) or Cease.outOfResources(). */
  automaticStop(cease: CeaseReason): void {
    this.dispatch({ type: 'AutomaticStop', cease });
  }

  /** The peer was removed from the configuration: Cease 6/3 and release everything. The session is done. */
  deconfigure(): void {
    this.started = false;
    this.dispatch({ type: 'ManualStop', cease: Cease.peerDeconfigured() });
    this.deconfigured = true;
    this.listener?.removePeer(this.cfg.peerAddress);
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /**
   * RFC 4724 §4.1 restarting speaker: close every connection without a NOTIFICATION (the peer must see a plain TCP
   * loss to keep our routes) and release the session as deconfigure() does. The FSM is not told; the session is done.
   */
  abandon(reason: string): void {
    this.started = false;
    this.deconfigured = true;
    for (const e of this.conns.values()) {
      if (e.connection) e.connection.destroy(reason);
      else e.abort?.abort();
    }
    this.conns.clear();
    this.establishedAt = undefined;
    this.listener?.removePeer(this.cfg.peerAddress);
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /**
   * Live configuration change. Identity and transport settings (see RESET_KEYS) need a new session: the current
   * one ends with Cease 6/6 "Other Configuration Change" (6/3 "Peer De-configured" when the peer address changes,
   * since that peer is gone). TTL/GTSM settings are applied to the live socket; timers apply from their next use.
   * Returns whether the session was reset.
   */
  updateConfig(patch: Partial<SessionConfig>): 'reset' | 'applied' {
    this.ensureConfigured();
    const next: SessionConfig = { ...this.cfg, ...patch };
    validateSessionConfig(next);
    const previous = this.cfg;
    const changed = (k: keyof SessionConfig): boolean => JSON.stringify(previous[k]) !== JSON.stringify(next[k]);
    const needsReset = RESET_KEYS.some(changed);
    const ttlChanged = changed('multihopTtl') || changed('ttlSecurity') || changed('peerAs') || changed('localAs');
    if (changed('peerAddress')) this.listener?.removePeer(previous.peerAddress);
    this.cfg = next;
    this.registerWithListener();
    if (needsReset) {
      this.restartWith(changed('peerAddress') ? Cease.peerDeconfigured() : Cease.otherConfigurationChange());
      return 'reset';
    }
    if (ttlChanged) {
      const ttl = this.ttl();
      for (const e of this.conns.values()) e.connection?.setTtl(ttl);
    }
    this.fsm.reconfigure(fsmConfigOf(next));
    return 'applied';
  }

  /** A connection the listener accepted from this peer. */
  accept(connection: BgpConnection): void {
    if (this.deconfigured) {
      connection.destroy('peer de-configured');
      return;
    }
    const id = this.fsm.allocateConnection();
    const entry = this.newEntry(id);
    entry.connection = connection;
    this.conns.set(id, entry);
    this.wire(entry, connection);
    this.dispatch({ type: 'TcpConnectionConfirmed', conn: id });
  }

  /** Sends an UPDATE on the Established session (UPDATE priority). Returns false under backpressure. */
  sendUpdate(update: UpdateMessage | Uint8Array): boolean {
    const entry = this.establishedEntry();
    const bytes = update instanceof Uint8Array ? update : encodeMessage(update, entry.encode);
    this.sent.update += 1;
    const ok = entry.connection!.send(bytes, 'update');
    this.emit('sent', 'update');
    return ok;
  }

  /** RFC 2918 / RFC 7313 ROUTE-REFRESH (control priority: it is small and the peer's answer depends on it). */
  sendRouteRefresh(afi: number, safi: number, subtype = 0): void {
    const entry = this.establishedEntry();
    this.sent['route-refresh'] += 1;
    entry.connection!.send(encodeMessage({ type: 'route-refresh', afi, safi, subtype }, entry.encode), 'control');
    this.emit('sent', 'route-refresh');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Driving the FSM

  private dispatch(ev: PeerEvent): void {
    this.queue.push(ev);
    if (this.busy) return; // re-entrant call from an event handler: handled by the loop below
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        this.apply(this.fsm.handle(next));
      }
    } finally {
      this.busy = false;
    }
  }

  private apply(actions: readonly FsmAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          this.sendControl(a.conn, a.message);
          break;
        case 'connect':
          this.openConnection(a.conn);
          break;
        case 'close':
          this.closeConnection(a.conn);
          break;
        case 'start-timer': {
          this.timers.get(a.timer)?.cancel();
          const name = a.timer;
          this.timers.set(
            name,
            this.clock.setTimer(a.ms, () => {
              this.timers.delete(name);
              if (!this.deconfigured) this.dispatch({ type: 'timer', timer: name });
            }),
          );
          break;
        }
        case 'stop-timer':
          this.timers.get(a.timer)?.cancel();
          this.timers.delete(a.timer);
          break;
        case 'established': {
          const entry = this.conns.get(a.conn);
          if (entry) {
            entry.decode = a.negotiated.decode;
            entry.encode = a.negotiated.encode;
            entry.reader.extendedMessage = a.negotiated.extendedMessage;
          }
          this.establishedAt = this.clock.now();
          this.log('info', `peer ${this.peerAddress} AS${this.cfg.peerAs}: Established (hold ${a.negotiated.holdTime}s, ${a.negotiated.families.join(', ')})`);
          this.emit('established', a.negotiated);
          break;
        }
        case 'down':
          this.establishedAt = undefined;
          this.log('warn', `peer ${this.peerAddress}: session down: ${a.reason.description}`);
          this.emit('down', a.reason);
          break;
        case 'state': {
          const change: StateChange = { from: a.from, to: a.to, event: a.event, ...(a.reason ? { reason: a.reason } : {}), at: this.clock.wallNow() };
          this.lastChange = change;
          this.emit('state', change);
          break;
        }
      }
    }
  }

  private sendControl(id: ConnId, message: BgpMessage): void {
    const entry = this.conns.get(id);
    const connection = entry?.connection;
    if (!entry || !connection || connection.closed) return;
    try {
      connection.send(encodeMessage(message, entry.encode), 'control');
    } catch (e) {
      this.lastTransport = `send failed: ${(e as Error).message}`;
      return;
    }
    this.sent[message.type] += 1;
    this.emit('sent', message.type);
    if (message.type === 'notification') {
      this.lastSent = this.errorRecord(message);
      this.log('warn', `peer ${this.peerAddress}: sent NOTIFICATION ${describeRecord(this.lastSent)}`);
      this.emit('notification', 'sent', message);
    }
  }

  private openConnection(id: ConnId): void {
    const abort = new AbortController();
    const entry = this.newEntry(id);
    entry.abort = abort;
    this.conns.set(id, entry);
    const ttl = this.ttl();
    const options: ConnectOptions = {
      host: this.cfg.peerAddress,
      port: peerPortOf(this.cfg),
      ...(this.cfg.localAddress !== undefined ? { localAddress: this.cfg.localAddress } : {}),
      md5Key: this.cfg.password ?? null,
      ttl: ttl.ttl,
      minTtl: ttl.minTtl,
      ...(this.cfg.netns !== undefined ? { netns: this.cfg.netns } : {}),
      signal: abort.signal,
    };
    this.connectFn(options).then(
      (connection) => {
        if (this.conns.get(id) !== entry) {
          connection.destroy('connect attempt abandoned');
          return;
        }
        entry.connection = connection;
        this.wire(entry, connection);
        this.dispatch({ type: 'Tcp_CR_Acked', conn: id });
      },
      (err: unknown) => {
        if (this.conns.get(id) !== entry) return;
        this.conns.delete(id);
        this.lastTransport = (err as Error).message;
        this.dispatch({ type: 'TcpConnectionFails', conn: id });
      },
    );
  }

  private closeConnection(id: ConnId): void {
    const entry = this.conns.get(id);
    if (!entry) return;
    this.conns.delete(id);
    if (entry.connection) entry.connection.end('session closed');
    else entry.abort?.abort();
  }

  private wire(entry: ConnEntry, connection: BgpConnection): void {
    connection.on('data', (chunk) => this.onData(entry, chunk));
    connection.on('close', (reason) => {
      if (this.conns.get(entry.id) !== entry) return; // we closed it ourselves
      this.conns.delete(entry.id);
      this.lastTransport = reason.kind === 'error' ? reason.error.message : reason.kind === 'remote' ? 'connection closed by peer' : reason.reason;
      this.dispatch({ type: 'TcpConnectionFails', conn: entry.id });
    });
  }

  private onData(entry: ConnEntry, chunk: Uint8Array): void {
    if (this.conns.get(entry.id) !== entry) return;
    try {
      entry.reader.push(chunk);
    } catch {
      return; // the reader already failed; the FSM has been told
    }
    for (;;) {
      if (this.conns.get(entry.id) !== entry) return; // the FSM closed this connection
      let bytes: Uint8Array | undefined;
      let message: BgpMessage;
      try {
        bytes = entry.reader.next();
        if (bytes === undefined) return;
        message = decodeMessage(bytes, entry.decode);
      } catch (e) {
        if (!(e instanceof BgpError)) throw e;
        this.dispatch({ type: 'decode-error', conn: entry.id, error: e });
        return;
      }
      this.received[message.type] += 1;
      if (message.type === 'notification') {
        this.lastReceived = this.errorRecord(message);
        this.log('warn', `peer ${this.peerAddress}: received NOTIFICATION ${describeRecord(this.lastReceived)}`);
        this.emit('notification', 'received', message);
      }
      this.dispatch({ type: 'message', conn: entry.id, message });
      if (this.fsm.establishedConn === entry.id) {
        if (message.type === 'update') this.emit('update', message);
        else if (message.type === 'route-refresh') this.emit('route-refresh', message);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private restartWith(cease: CeaseReason): void {
    if (this.busy) {
      // Called from an event handler while the FSM is mid-step: finish that step first, then swap machines.
      queueMicrotask(() => this.restartWith(cease));
      return;
    }
    const wasStarted = this.started;
    this.dispatch({ type: 'ManualStop', cease });
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    // The stop closed every connection of the old machine; anything left (none expected) must not leak into the new.
    for (const id of [...this.conns.keys()]) this.closeConnection(id);
    this.fsm = this.newFsm();
    if (wasStarted) this.start();
  }

  private newFsm(): PeerFsm {
    return new PeerFsm(fsmConfigOf(this.cfg), { now: () => this.clock.now(), random: () => this.random() });
  }

  private newEntry(id: ConnId): ConnEntry {
    return { id, reader: new MessageReader(), decode: DEFAULT_CODEC_CONTEXT, encode: DEFAULT_CODEC_CONTEXT };
  }

  private establishedEntry(): ConnEntry {
    const id = this.fsm.establishedConn;
    const entry = id === undefined ? undefined : this.conns.get(id);
    if (!entry?.connection) throw new SessionStateError(`session with ${this.peerAddress} is ${this.state}, not Established`);
    return entry;
  }

  private ttl(): TtlSettings {
    return ttlSettings({
      peerType: this.cfg.peerAs === this.cfg.localAs ? 'internal' : 'external',
      ...(this.cfg.multihopTtl !== undefined ? { multihopTtl: this.cfg.multihopTtl } : {}),
      ...(this.cfg.ttlSecurity !== undefined ? { ttlSecurity: this.cfg.ttlSecurity } : {}),
    });
  }

  private registerWithListener(): void {
    this.listener?.setPeer(this.cfg.peerAddress, { md5Key: this.cfg.password ?? null, ttl: this.ttl() });
  }

  private ensureConfigured(): void {
    if (this.deconfigured) throw new SessionStateError(`session with ${this.peerAddress} was de-configured`);
  }

  private errorRecord(n: NotificationMessage): ErrorRecord {
    return {
      code: n.code,
      subcode: n.subcode,
      description: describeNotification(n.code, n.subcode),
      data: Buffer.from(n.data).toString('hex'),
      ...(n.shutdownCommunication !== undefined ? { communication: n.shutdownCommunication } : {}),
      at: this.clock.wallNow(),
    };
  }
}

export interface SessionStatus {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly localAddress: string | null;
  readonly type: 'internal' | 'external';
  readonly state: FsmState;
  readonly uptimeSeconds: number;
  readonly holdTime: number;
  readonly keepaliveInterval: number;
  readonly families: string[];
  readonly capabilities: string[];
  readonly gracefulRestart: { local: unknown; remote: unknown } | null;
  readonly messages: Session['messages'];
  readonly lastError: Session['lastError'];
  readonly lastStateChange: StateChange | null;
  readonly connectRetryCounter: number;
}

const MS_PER_S = 1000;

/** The capabilities both sides agreed on, by name. */
function capabilityNames(n: NegotiatedSession): string[] {
  const names: string[] = [];
  if (n.fourOctetAs) names.push('four-octet-as');
  if (n.routeRefresh) names.push('route-refresh');
  if (n.enhancedRouteRefresh) names.push('enhanced-route-refresh');
  if (n.extendedMessage) names.push('extended-message');
  if (n.gracefulRestart.local && n.gracefulRestart.remote) names.push('graceful-restart');
  if (n.addPath.receive.size > 0 || n.addPath.send.size > 0) names.push('add-path');
  return names;
}

function describeRecord(r: ErrorRecord): string {
  return `${r.code}/${r.subcode} (${r.description})${r.communication !== undefined ? `: "${r.communication}"` : ''}`;
}
