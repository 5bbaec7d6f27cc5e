/**
 * NetlinkSocket: request/response over a netlink socket with sequence numbers, multi-part dumps, batches of many
 * requests per sendmsg with one ACK per message, and unsolicited (multicast) messages as events.
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_DUMP_INTR } from './constants.js';
import { NetlinkError, decodeAck } from './errors.js';
import { nativeNetlink, type NativeSocket } from './native.js';
import { forEachMessage, type NetlinkMessage } from './reader.js';
import type { NetlinkRequest } from './request.js';
import { NetlinkWriter } from './writer.js';

const { ENOBUFS, EINTR, EBADF } = osConstants.errno;

/** Defaults sized for route programming at 100k-route scale. */
const DEFAULT_RECEIVE_BUFFER = 32 * 1024 * 1024;
const DEFAULT_SEND_BUFFER = 4 * 1024 * 1024;
/** Requests packed into one sendmsg; the kernel handles them one by one but we pay one syscall. */
const DEFAULT_BATCH_BYTES = 64 * 1024;
const DEFAULT_MAX_IN_FLIGHT = 4096;
/**
 * What one queued ACK costs against the receive buffer (skb truesize, not the 36 payload bytes); in-flight requests
 * are capped so that their ACKs always fit, because a dropped ACK is a request whose outcome we never learn.
 */
const ACK_TRUESIZE_ESTIMATE = 1024;
const MAX_SEQ = 0xffffffff;

/** Options for {@link NetlinkSocket.open}. */
export interface NetlinkSocketOptions {
  /** NETLINK_ROUTE (default) or NETLINK_GENERIC. */
  protocol?: number;
  /** Open the socket inside this network namespace (name under /var/run/netns, or an absolute path). */
  netns?: string;
  /** Multicast groups to join (RTNLGRP_*). */
  groups?: number[];
  /** SO_RCVBUF(FORCE) bytes; default 32 MiB. */
  receiveBufferSize?: number;
  /** SO_SNDBUF(FORCE) bytes; default 4 MiB. */
  sendBufferSize?: number;
  /** NETLINK_NO_ENOBUFS: true silences overflow reports (messages are still lost). Default false. */
  noEnobufs?: boolean;
  /** NETLINK_EXT_ACK: kernel error text in ACKs. Default true. */
  extendedAck?: boolean;
  /** Bytes of requests per sendmsg. Default 64 KiB. */
  batchBytes?: number;
  /** Upper bound of requests awaiting an answer. Default 4096, lowered to what the receive buffer can hold. */
  maxInFlight?: number;
}

/** The outcome of one request in a batch. */
export type BatchResult = { ok: true; messages: NetlinkMessage[] } | { ok: false; error: NetlinkError };

interface Pending {
  request: NetlinkRequest;
  seq: number;
  messages: NetlinkMessage[];
  interrupted: boolean;
  done: (result: BatchResult) => void;
}

/**
 * Events: `'message'` (NetlinkMessage: anything not answering one of our requests, i.e. multicast
 * notifications), `'overflow'` (the kernel dropped messages for us, ENOBUFS, or a receive failed: re-dump whatever
 * you mirror; requests awaiting answers fail), `'error'` (NetlinkError: a receive failure other than ENOBUFS, only
 * if someone listens; it is followed by 'overflow' either way).
 */
export class NetlinkSocket extends EventEmitter {
  private readonly native: NativeSocket;
  private readonly pending = new Map<number, Pending>();
  /** Requests not yet sent, from queueHead on; an index instead of shift(), which is O(n) on large arrays. */
  private queue: Pending[] = [];
  private queueHead = 0;
  private readonly writer = new NetlinkWriter(DEFAULT_BATCH_BYTES * 2);
  private readonly batchBytes: number;
  private readonly maxInFlight: number;
  private seq: number;
  private closed = false;
  /** The kernel runs one dump per socket at a time (a second gets EBUSY), so dumps wait for each other. */
  private dumpInFlight = false;
  /** sendmsg calls made so far (batching makes this far smaller than the number of requests). */
  sendCalls = 0;
  private refed = false;

  private constructor(options: NetlinkSocketOptions) {
    super();
    const native = nativeNetlink();
    this.native = new native.NetlinkSocket(
      {
        protocol: options.protocol ?? NETLINK_ROUTE,
        ...(options.netns !== undefined ? { netns: options.netns } : {}),
        groups: options.groups ?? [],
        receiveBufferSize: options.receiveBufferSize ?? DEFAULT_RECEIVE_BUFFER,
        sendBufferSize: options.sendBufferSize ?? DEFAULT_SEND_BUFFER,
        noEnobufs: options.noEnobufs ?? false,
        extendedAck: options.extendedAck ?? true,
        // Error ACKs then echo only the request header, not the whole request: we match them by sequence number.
        capAck: true,
      },
      (errno, data) => this.onRead(errno, data),
    );
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    const fits = Math.max(1, Math.floor(this.native.receiveBufferSize / ACK_TRUESIZE_ESTIMATE));
    this.maxInFlight = Math.min(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, fits);
    this.seq = 1 + Math.floor(Math.random() * 0x7fffffff);
    this.native.start();
    this.native.unref();
    // A socket with multicast groups exists to listen; it keeps the process alive until closed.
    if ((options.groups?.length ?? 0) > 0) this.ref();
  }

  /** Opens a netlink socket (in `options.netns` if given) and starts reading. */
  static open(options: NetlinkSocketOptions = {}): NetlinkSocket {
    return new NetlinkSocket(options);
  }

  /** The socket's netlink port id (nl_pid). */
  get portId(): number {
    return this.native.portId;
  }

  /** The effective SO_RCVBUF (the kernel reports twice what was asked, for its bookkeeping). */
  get receiveBufferSize(): number {
    return this.native.receiveBufferSize;
  }

  /** Requests not yet answered (queued or sent). */
  get outstanding(): number {
    return this.pending.size + this.queued();
  }

  addMembership(group: number): void {
    this.native.addMembership(group);
  }

  dropMembership(group: number): void {
    this.native.dropMembership(group);
  }

  /** Keeps the process alive while the socket is open (default only for sockets with groups). */
  ref(): void {
    this.refed = true;
    this.native.ref();
  }

  /** Lets the process exit even while listening. */
  unref(): void {
    this.refed = false;
    this.updateRef();
  }

  /**
   * Sends one request and resolves with the messages that answer it (a dump's parts, or a GET's object); rejects
   * with a {@link NetlinkError} naming the request if the kernel refuses it.
   */
  request(request: NetlinkRequest): Promise<NetlinkMessage[]> {
    return new Promise((resolve, reject) => {
      this.enqueue(request, (r) => (r.ok ? resolve(r.messages) : reject(r.error)));
    });
  }

  /**
   * Sends many requests, packed into as few sendmsg calls as the batch size allows, and resolves with one result
   * per request, in order. A refused request does not affect the others; this never rejects for kernel errors.
   */
  batch(requests: readonly NetlinkRequest[]): Promise<BatchResult[]> {
    return new Promise((resolve) => {
      const results = new Array<BatchResult>(requests.length);
      let remaining = requests.length;
      if (remaining === 0) {
        resolve(results);
        return;
      }
      requests.forEach((request, i) => {
        this.enqueue(request, (r) => {
          results[i] = r;
          if (--remaining === 0) resolve(results);
        });
      });
    });
  }

  /** Closes the socket; outstanding requests fail with EBADF. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
    const failed = [...this.pending.values(), ...this.queue.slice(this.queueHead)];
    this.pending.clear();
    this.dumpInFlight = false;
    this.queue = [];
    this.queueHead = 0;
    for (const p of failed) p.done({ ok: false, error: new NetlinkError(p.request.describe, EBADF, 'socket closed') });
  }

  private nextSeq(): number {
    this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    return this.seq;
  }

  private enqueue(request: NetlinkRequest, done: (r: BatchResult) => void): void {
    if (this.closed) {
      done({ ok: false, error: new NetlinkError(request.describe, EBADF, 'socket closed') });
      return;
    }
    this.queue.push({ request, seq: 0, messages: [], interrupted: false, done });
    // Defer sending to the end of the current tick so that requests issued together share sendmsg calls.
    if (this.queued() === 1) queueMicrotask(() => this.pump());
  }

  private queued(): number {
    return this.queue.length - this.queueHead;
  }

  private dequeue(): Pending {
    const p = this.queue[this.queueHead++]!;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    return p;
  }

  private updateRef(): void {
    if (this.closed) return;
    if (this.refed || this.pending.size > 0 || this.queued() > 0) this.native.ref();
    else this.native.unref();
  }

  /** Sends queued requests while the in-flight window allows. */
  private pump(): void {
    if (this.closed) return;
    while (this.queued() > 0 && this.pending.size < this.maxInFlight) {
      this.writer.reset();
      const sent: Pending[] = [];
      while (this.queued() > 0 && this.pending.size + sent.length < this.maxInFlight && this.writer.length < this.batchBytes) {
        // Requests go out in order; a dump waits (and holds back what follows it) until the previous dump is done.
        if (this.queue[this.queueHead]!.request.dump && this.dumpInFlight) break;
        const p = this.dequeue();
        p.seq = this.nextSeq();
        p.request.encode(this.writer, p.seq);
        sent.push(p);
        if (p.request.dump) {
          this.dumpInFlight = true;
          // Its answer can be large: send it alone so that its parts do not compete with ACKs for buffer.
          break;
        }
      }
      if (sent.length === 0) break;
      for (const p of sent) this.pending.set(p.seq, p);
      try {
        this.sendCalls++;
        this.native.send(this.writer.bytes());
      } catch (e) {
        const errno = (e as { errno?: number }).errno ?? EBADF;
        for (const p of sent) {
          this.pending.delete(p.seq);
          if (p.request.dump) this.dumpInFlight = false;
          p.done({ ok: false, error: new NetlinkError(p.request.describe, errno, 'sendmsg failed') });
        }
      }
    }
    this.updateRef();
  }

  /** Completes a sent request. */
  private finish(p: Pending, result: BatchResult): void {
    this.pending.delete(p.seq);
    if (p.request.dump) this.dumpInFlight = false;
    p.done(result);
  }

  private onRead(errno: number, data: Buffer | undefined): void {
    if (errno !== 0) {
      // ENOBUFS: the kernel dropped messages for us. Any other receive error (EMSGSIZE: a datagram did not fit)
      // also means something was lost, so both take the overflow path; other errors are also reported as 'error'
      // when someone listens (an unheard 'error' would throw from the event loop and end the process).
      if (errno !== ENOBUFS && this.listenerCount('error') > 0) {
        this.emit('error', new NetlinkError('receive from netlink socket', errno));
      }
      this.onOverflow(errno);
      if (this.queued() > 0) this.pump();
      return;
    }
    if (!data) return;
    forEachMessage(data, (m) => this.onMessage(m));
    if (this.queued() > 0) this.pump();
    else this.updateRef();
  }

  private onOverflow(errno: number): void {
    // Our receive queue overflowed. With groups this means notifications were lost; on a request socket it could
    // also mean lost answers, so requests still waiting may never be answered: fail them so callers can retry.
    for (const p of [...this.pending.values()]) {
      this.finish(p, { ok: false, error: new NetlinkError(p.request.describe, errno, 'answer lost: receive buffer overflow') });
    }
    this.emit('overflow');
  }

  private onMessage(m: NetlinkMessage): void {
    const p = m.seq !== 0 ? this.pending.get(m.seq) : undefined;
    if (!p) {
      if (m.type !== NLMSG_NOOP) this.emit('message', m);
      return;
    }
    if (m.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    switch (m.type) {
      case NLMSG_ERROR: {
        const ack = decodeAck(m.payload, m.flags);
        if (ack.errno === 0) this.finish(p, { ok: true, messages: p.messages });
        else this.finish(p, { ok: false, error: new NetlinkError(p.request.describe, ack.errno, ack.kernelMessage) });
        return;
      }
      case NLMSG_DONE: {
        const status = m.payload.length >= 4 ? m.payload.readInt32LE(0) : 0;
        if (status < 0) this.finish(p, { ok: false, error: new NetlinkError(p.request.describe, -status) });
        else if (p.interrupted) {
          this.finish(p, { ok: false, error: new NetlinkError(p.request.describe, EINTR, 'dump interrupted by a concurrent change') });
        } else this.finish(p, { ok: true, messages: p.messages });
        return;
      }
      case NLMSG_NOOP:
      case NLMSG_OVERRUN:
        return;
      default:
        p.messages.push(m);
        // A request sent without NLM_F_ACK that is not a dump (CTRL_CMD_GETFAMILY) is answered by one message.
        if (!p.request.dump && !p.request.ack) this.finish(p, { ok: true, messages: p.messages });
    }
  }
}
