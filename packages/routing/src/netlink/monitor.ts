/**
 * RtnlMonitor: rtnetlink notifications (routes, links, addresses, neighbours/FDB, rules) as typed events, with an
 * explicit overflow event when the kernel had to drop notifications (ENOBUFS), after which the consumer must
 * re-dump whatever state it mirrors.
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import {
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELNEIGH,
  RTM_DELROUTE,
  RTM_DELRULE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWNEIGH,
  RTM_NEWROUTE,
  RTM_NEWRULE,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV4_RULE,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE,
  RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK,
  RTNLGRP_NEIGH,
} from './constants.js';
import { decodeAddress, type DecodedAddress } from './address.js';
import { decodeLink, type DecodedLink } from './link.js';
import { decodeFdbEntry, decodeNeighbour, isFdbPayload, type DecodedFdbEntry, type DecodedNeighbour } from './neighbour.js';
import type { NetlinkMessage } from './reader.js';
import { decodeRoute, type DecodedRoute } from './route.js';
import { decodeRule, type DecodedRule } from './rule.js';
import { NetlinkSocket } from './socket.js';

/** What a notification did. */
export type RtnlAction = 'new' | 'del';

/** One decoded notification, or the loss of some. */
export type RtnlEvent =
  | { kind: 'route'; action: RtnlAction; route: DecodedRoute }
  | { kind: 'link'; action: RtnlAction; link: DecodedLink }
  | { kind: 'address'; action: RtnlAction; address: DecodedAddress }
  | { kind: 'neighbour'; action: RtnlAction; neighbour: DecodedNeighbour }
  | { kind: 'fdb'; action: RtnlAction; fdb: DecodedFdbEntry }
  | { kind: 'rule'; action: RtnlAction; rule: DecodedRule }
  | { kind: 'overflow' };

/** Notification topics, each one or two rtnetlink multicast groups. */
export type RtnlTopic = 'route' | 'link' | 'address' | 'neighbour' | 'rule';

const TOPIC_GROUPS: Record<RtnlTopic, number[]> = {
  route: [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE],
  link: [RTNLGRP_LINK],
  address: [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
  neighbour: [RTNLGRP_NEIGH],
  rule: [RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE],
};

/** Options for {@link RtnlMonitor.open}. */
export interface RtnlMonitorOptions {
  netns?: string;
  /** Default: all topics. */
  topics?: RtnlTopic[];
  /** SO_RCVBUF bytes; default 32 MiB. Small values make overflow likely (useful only in tests). */
  receiveBufferSize?: number;
}

/** Decodes a notification message into an event; undefined for message types we do not model. */
export function decodeRtnlEvent(m: NetlinkMessage): RtnlEvent | undefined {
  switch (m.type) {
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      return { kind: 'route', action: m.type === RTM_NEWROUTE ? 'new' : 'del', route: decodeRoute(m.payload) };
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return { kind: 'link', action: m.type === RTM_NEWLINK ? 'new' : 'del', link: decodeLink(m.payload) };
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return { kind: 'address', action: m.type === RTM_NEWADDR ? 'new' : 'del', address: decodeAddress(m.payload) };
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH: {
      const action = m.type === RTM_NEWNEIGH ? 'new' : 'del';
      return isFdbPayload(m.payload)
        ? { kind: 'fdb', action, fdb: decodeFdbEntry(m.payload) }
        : { kind: 'neighbour', action, neighbour: decodeNeighbour(m.payload) };
    }
    case RTM_NEWRULE:
    case RTM_DELRULE:
      return { kind: 'rule', action: m.type === RTM_NEWRULE ? 'new' : 'del', rule: decodeRule(m.payload) };
    default:
      return undefined;
  }
}

/**
 * Events: `'event'` (every {@link RtnlEvent}), and per kind `'route'`, `'link'`, `'address'`, `'neighbour'`,
 * `'fdb'`, `'rule'` (the same event), and `'overflow'` (no argument). Also an async iterable of RtnlEvent.
 * While open it keeps the process alive; call {@link RtnlMonitor.unref} to stop that.
 */
export class RtnlMonitor extends EventEmitter implements AsyncIterable<RtnlEvent> {
  readonly socket: NetlinkSocket;
  /** Overflows seen so far. */
  overflows = 0;
  private closed = false;

  private constructor(options: RtnlMonitorOptions) {
    super();
    const topics = options.topics ?? (Object.keys(TOPIC_GROUPS) as RtnlTopic[]);
    this.socket = NetlinkSocket.open({
      ...(options.netns !== undefined ? { netns: options.netns } : {}),
      groups: topics.flatMap((t) => TOPIC_GROUPS[t]),
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      noEnobufs: false,
    });
    this.socket.on('message', (m: NetlinkMessage) => {
      const e = decodeRtnlEvent(m);
      if (!e) return;
      this.emit('event', e);
      this.emit(e.kind, e);
    });
    this.socket.on('overflow', () => {
      this.overflows++;
      const e: RtnlEvent = { kind: 'overflow' };
      this.emit('event', e);
      this.emit('overflow');
    });
    this.socket.on('error', (err: Error) => {
      // The socket follows every receive error with 'overflow' (which makes the consumer re-dump); 'error' is extra
      // detail, passed on only to a listener, because an unheard 'error' event would throw.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  /** Opens a monitor (in `options.netns` when given), subscribed to `options.topics` (default: all). */
  static open(options: RtnlMonitorOptions = {}): RtnlMonitor {
    return new RtnlMonitor(options);
  }

  unref(): void {
    this.socket.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.emit('close');
  }

  /** Iterates events until the monitor is closed or the loop breaks. Events queue while the consumer is busy. */
  [Symbol.asyncIterator](): AsyncIterator<RtnlEvent> {
    const queue: RtnlEvent[] = [];
    let wake: ((r: IteratorResult<RtnlEvent>) => void) | undefined;
    let finished = this.closed;
    const onEvent = (e: RtnlEvent): void => {
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: e, done: false });
      } else queue.push(e);
    };
    const stop = (): void => {
      finished = true;
      this.off('event', onEvent);
      this.off('close', stop);
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: undefined, done: true });
      }
    };
    this.on('event', onEvent);
    this.on('close', stop);
    return {
      next: () => {
        const e = queue.shift();
        if (e) return Promise.resolve({ value: e, done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
