// BgpConnection: one established TCP connection to a peer. It moves whole encoded messages out, with control
// messages (KEEPALIVE, NOTIFICATION, OPEN) ahead of queued UPDATEs, and raw byte chunks in. It knows nothing else
// about BGP: splitting the byte stream into messages is the codec's job.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { IpFamily } from './addresses.js';
import { canonicalAddress, ipFamily } from './addresses.js';
import { applyTtl, fdOf, readNoDelay, readTtl } from './sockets.js';
import type { TtlSettings } from './ttl.js';
import { nativeCall } from './native.js';
import { ConnectionClosedError, SocketError, type TransportError, UpdateQueueOverflowError } from './errors.js';

export type MessagePriority = 'control' | 'update';
export type Direction = 'inbound' | 'outbound';

/** Queued UPDATE bytes above which 'backpressure' is signalled. */
export const DEFAULT_UPDATE_HIGH_WATER_MARK = 1024 * 1024;
/** Queued UPDATE bytes beyond which send() refuses (a caller ignoring 'backpressure'), as a multiple of the mark. */
export const DEFAULT_UPDATE_LIMIT_FACTOR = 8;
/**
 * UPDATE bytes handed to node:net per batch before waiting for 'drain'. A KEEPALIVE can queue behind at most this
 * much of our own data (plus what the kernel holds); larger batches mean fewer system calls.
 */
export const WRITE_BATCH_BYTES = 64 * 1024;
/** After end(), how long to wait for the peer's FIN before destroying the socket. */
export const DEFAULT_LINGER_MS = 2000;

export interface ConnectionOptions {
  /** Queued UPDATE bytes at which send() returns false and 'backpressure' is emitted; 'writable' follows at half. */
  updateHighWaterMark?: number;
  /** Hard cap on queued UPDATE bytes (default 8 × the high-water mark); send() throws UpdateQueueOverflowError. */
  updateQueueLimit?: number;
  lingerMs?: number;
}

export type CloseReason =
  | { kind: 'local'; reason: string }
  | { kind: 'remote' }
  | { kind: 'error'; error: TransportError };

export interface ConnectionCounters {
  bytesIn: number;
  /** Bytes handed to the kernel. */
  bytesOut: number;
  /** Bytes not yet handed to the kernel: our queues plus node:net's write buffer. */
  queuedBytes: number;
  /** UPDATE bytes waiting in our queue (what the high-water mark limits). */
  queuedUpdateBytes: number;
  controlMessagesOut: number;
  updateMessagesOut: number;
  /** UPDATEs discarded because the connection was ended with UPDATEs still queued. */
  updatesDiscarded: number;
}

export interface ConnectionEvents {
  data: [chunk: Uint8Array];
  close: [reason: CloseReason];
  /** Emitted only when someone listens; the error is always part of the 'close' reason as well. */
  error: [error: TransportError];
  backpressure: [];
  writable: [];
}

export interface ConnectionInfo {
  direction: Direction;
  family: IpFamily;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export class BgpConnection extends EventEmitter<ConnectionEvents> {
  readonly info: ConnectionInfo;
  readonly #socket: Socket;
  readonly #highWaterMark: number;
  readonly #lowWaterMark: number;
  readonly #limit: number;
  readonly #lingerMs: number;
  readonly #updates: Uint8Array[] = [];
  #updateHead = 0;
  #queuedUpdateBytes = 0;
  #waitingDrain = false;
  #backpressured = false;
  #bytesIn = 0;
  #controlOut = 0;
  #updateOut = 0;
  #discarded = 0;
  #closeReason: CloseReason | undefined;
  #endReason: string | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #readingStarted = false;
  #readingPaused = false;

  constructor(socket: Socket, direction: Direction, options: ConnectionOptions = {}) {
    super();
    this.#socket = socket;
    this.#highWaterMark = options.updateHighWaterMark ?? DEFAULT_UPDATE_HIGH_WATER_MARK;
    this.#lowWaterMark = Math.floor(this.#highWaterMark / 2);
    this.#limit = options.updateQueueLimit ?? this.#highWaterMark * DEFAULT_UPDATE_LIMIT_FACTOR;
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    const remoteAddress = addressOrEmpty(socket.remoteAddress);
    this.info = {
      direction,
      family: ipFamily(remoteAddress) ?? 4,
      localAddress: addressOrEmpty(socket.localAddress),
      localPort: socket.localPort ?? 0,
      remoteAddress,
      remotePort: socket.remotePort ?? 0,
    };

    // Chunks wait in the socket until the owner listens for 'data', so none are lost between accept and wiring.
    socket.pause();
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event !== 'data' || this.#readingStarted) return;
      this.#readingStarted = true;
      queueMicrotask(() => {
        if (!this.#closed && !this.#readingPaused) socket.resume();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      this.#bytesIn += chunk.length;
      this.emit('data', chunk);
    });
    socket.on('drain', () => {
      this.#waitingDrain = false;
      this.#pump();
    });
    socket.on('end', () => {
      this.#closeReason ??= this.#endReason === undefined ? { kind: 'remote' } : { kind: 'local', reason: this.#endReason };
    });
    socket.on('error', (err) => {
      this.#closeReason ??= { kind: 'error', error: new SocketError(err) };
    });
    socket.on('close', () => this.#onClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False while 'backpressure' is in force: the speaker should stop generating UPDATEs until 'writable'. */
  get writable(): boolean {
    return !this.#backpressured && !this.#closed;
  }

  get counters(): ConnectionCounters {
    const pendingInSocket = this.#socket.writableLength;
    return {
      bytesIn: this.#bytesIn,
      bytesOut: this.#socket.bytesWritten - pendingInSocket,
      queuedBytes: this.#queuedUpdateBytes + pendingInSocket,
      queuedUpdateBytes: this.#queuedUpdateBytes,
      controlMessagesOut: this.#controlOut,
      updateMessagesOut: this.#updateOut,
      updatesDiscarded: this.#discarded,
    };
  }

  /**
   * Stops reading from the socket (the kernel's receive window then closes and the peer's sends stall): for an
   * owner that cannot keep up with incoming UPDATEs. KEEPALIVEs from the peer wait too, so keep pauses short.
   */
  pauseReading(): void {
    this.#readingPaused = true;
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#readingPaused = false;
    if (!this.#closed && this.#readingStarted) this.#socket.resume();
  }

  /** The TTL and minimum TTL in force on the socket, read back from the kernel (diagnostics, tests). */
  readTtl(): TtlSettings {
    return readTtl(fdOf(this.#socket), this.info.remoteAddress);
  }

  /** Changes TTL and minimum TTL live (a multihop or GTSM change needs no new session). */
  setTtl(settings: TtlSettings): void {
    const fd = fdOf(this.#socket);
    applyTtl(fd, nativeCall('domain', (n) => n.domain(fd)), this.info.remoteAddress, settings);
  }

  /** Whether TCP_NODELAY is set, read back from the kernel. */
  noDelay(): boolean {
    return readNoDelay(fdOf(this.#socket));
  }

  /**
   * Sends one whole encoded message. 'control' messages go to the socket at once, so they follow at most the
   * UPDATEs already handed to node:net (about one write buffer) rather than everything queued — a KEEPALIVE is
   * never late because of an UPDATE backlog (unlike osrg/gobgp#1723). 'update' messages queue behind each other.
   * Returns false when queued UPDATE bytes reached the high-water mark: stop until 'writable'.
   */
  send(message: Uint8Array, priority: MessagePriority): boolean {
    if (this.#closed || this.#endReason !== undefined) throw new ConnectionClosedError();
    if (priority === 'control') {
      this.#controlOut++;
      this.#socket.write(message);
      return this.writable;
    }
    if (this.#queuedUpdateBytes + message.length > this.#limit) {
      throw new UpdateQueueOverflowError(this.#queuedUpdateBytes, this.#limit);
    }
    this.#updates.push(message);
    this.#queuedUpdateBytes += message.length;
    this.#pump();
    if (!this.#backpressured && this.#queuedUpdateBytes >= this.#highWaterMark) {
      this.#backpressured = true;
      this.emit('backpressure');
    }
    return this.writable;
  }

  /**
   * Graceful close: queued UPDATEs are discarded (the session is going down, typically after a NOTIFICATION),
   * control messages already sent are flushed, then FIN. The socket is destroyed if the peer has not closed its
   * side after the linger time.
   */
  end(reason: string): void {
    if (this.#closed || this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.#discardUpdates();
    this.#socket.end();
    this.#lingerTimer = setTimeout(() => this.#socket.destroy(), this.#lingerMs);
    this.#lingerTimer.unref();
  }

  /** Immediate close; nothing queued is sent. */
  destroy(reason: string): void {
    if (this.#closed) return;
    this.#closeReason ??= { kind: 'local', reason };
    this.#discardUpdates();
    this.#socket.destroy();
  }

  #pump(): void {
    if (this.#waitingDrain || this.#closed) return;
    const socket = this.#socket;
    socket.cork();
    while (this.#updateHead < this.#updates.length) {
      const msg = this.#updates[this.#updateHead] as Uint8Array;
      this.#updateHead++;
      this.#queuedUpdateBytes -= msg.length;
      this.#updateOut++;
      // Past node's own high-water mark 'drain' is owed to us, so we may keep writing up to the batch size.
      const ok = socket.write(msg);
      if (!ok && socket.writableLength >= WRITE_BATCH_BYTES) {
        this.#waitingDrain = true;
        break;
      }
    }
    // The corked writes leave as one writev.
    socket.uncork();
    this.#compactQueue();
    if (this.#backpressured && this.#queuedUpdateBytes <= this.#lowWaterMark) {
      this.#backpressured = false;
      this.emit('writable');
    }
  }

  #compactQueue(): void {
    if (this.#updateHead === this.#updates.length) {
      this.#updates.length = 0;
      this.#updateHead = 0;
    } else if (this.#updateHead > 1024 && this.#updateHead * 2 > this.#updates.length) {
      this.#updates.splice(0, this.#updateHead);
      this.#updateHead = 0;
    }
  }

  #discardUpdates(): void {
    this.#discarded += this.#updates.length - this.#updateHead;
    this.#updates.length = 0;
    this.#updateHead = 0;
    this.#queuedUpdateBytes = 0;
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#discardUpdates();
    const reason: CloseReason =
      this.#closeReason ?? (this.#endReason === undefined ? { kind: 'remote' } : { kind: 'local', reason: this.#endReason });
    if (reason.kind === 'error' && this.listenerCount('error') > 0) this.emit('error', reason.error);
    this.emit('close', reason);
  }
}

/** A socket reset before we wrapped it has no addresses any more; that must not throw from an I/O callback. */
function addressOrEmpty(address: string | undefined): string {
  return address !== undefined && ipFamily(address) !== null ? canonicalAddress(address) : '';
}
