// Passive open: listening sockets on configured addresses, per-peer TCP-MD5 keys on them, and a peer filter.
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { canonicalAddress, type IpFamily, ipFamily, isWildcard } from './addresses.js';
import { BgpConnection, type ConnectionOptions } from './connection.js';
import { BGP_PORT } from './connect.js';
import { ListenFailedError, SocketError, TransportConfigError, TransportError } from './errors.js';
import { nativeCall } from './native.js';
import { applyStreamOptions, applyTtl, fdOf, KERNEL_DEFAULT_TTL } from './sockets.js';
import { MAX_TTL, NO_MIN_TTL, type TtlSettings } from './ttl.js';

export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = ['0.0.0.0', '::'];
export const DEFAULT_BACKLOG = 128;

/**
 * TTL of packets a listening socket sends itself, i.e. SYN-ACKs (accepted sockets get the peer's own TTL before
 * they send anything). A GTSM peer enforces its minimum TTL on our SYN-ACK too, so the handshake only completes if
 * it leaves with 255; FRR sets its listeners to 255 for the same reason.
 */
export const LISTENER_TTL = MAX_TTL;

export interface ListenerOptions {
  /** Local addresses to listen on. A lone '::' is dual-stack; with '0.0.0.0' beside it, '::' is IPv6-only. */
  addresses?: readonly string[];
  port?: number;
  /** Create the listening sockets inside /var/run/netns/<netns>. */
  netns?: string;
  backlog?: number;
  /** Applied to every accepted connection. */
  connection?: ConnectionOptions;
}

export interface PeerTransport {
  /** RFC 2385 password; null/undefined/empty for none. */
  md5Key?: string | null;
  /** TTL policy for this peer (ttlSettings()); when absent the OS defaults apply and no minimum is enforced. */
  ttl?: TtlSettings;
}

export interface RejectedConnection {
  reason: 'unknown-peer';
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface ListenerEvents {
  connection: [connection: BgpConnection, peer: string];
  rejected: [info: RejectedConnection];
  error: [error: TransportError];
}

interface ListeningSocket {
  address: string;
  family: IpFamily;
  /** An AF_INET6 socket that also accepts IPv4 (as ::ffff:a.b.c.d). */
  dualStack: boolean;
  server: Server;
  fd: number;
}

export class BgpListener extends EventEmitter<ListenerEvents> {
  readonly #options: ListenerOptions;
  readonly #peers = new Map<string, PeerTransport>();
  #sockets: ListeningSocket[] = [];
  #closed = false;

  private constructor(options: ListenerOptions) {
    super();
    this.#options = options;
  }

  /** Opens every listening socket, or none (a failure closes the ones already open). */
  static async listen(options: ListenerOptions = {}): Promise<BgpListener> {
    const listener = new BgpListener(options);
    try {
      await listener.#open();
    } catch (e) {
      await listener.close();
      throw e;
    }
    return listener;
  }

  get addresses(): { address: string; family: IpFamily; port: number }[] {
    return this.#sockets.map((s) => {
      const a = s.server.address();
      return { address: s.address, family: s.family, port: typeof a === 'object' && a ? a.port : 0 };
    });
  }

  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  /**
   * Adds a peer or changes its settings, live. The MD5 key is (re)installed on every listening socket that can
   * accept the peer's family at once, so the next SYN from the peer is checked against it; established
   * connections keep the key they were accepted with (the session resets them when the password changes).
   */
  setPeer(address: string, settings: PeerTransport = {}): void {
    const peer = canonicalAddress(address);
    if (isWildcard(peer)) throw new TransportConfigError('a peer address cannot be a wildcard');
    const key = settings.md5Key ?? null;
    const previous = this.#peers.get(peer);
    const hadKey = !!previous?.md5Key;
    if (key || hadKey) {
      for (const s of this.#socketsFor(peer)) {
        nativeCall(`TCP-MD5 key for ${peer} on ${s.address}`, (n) => n.setMd5(s.fd, peer, key || null));
      }
    }
    this.#peers.set(peer, { ...settings });
    this.#updateListenerMinTtl();
  }

  removePeer(address: string): void {
    const peer = canonicalAddress(address);
    const previous = this.#peers.get(peer);
    if (!previous) return;
    if (previous.md5Key) {
      for (const s of this.#socketsFor(peer)) {
        nativeCall(`remove TCP-MD5 key for ${peer}`, (n) => n.setMd5(s.fd, peer, null));
      }
    }
    this.#peers.delete(peer);
    this.#updateListenerMinTtl();
  }

  /**
   * Stops listening. Connections already handed out belong to their owners and stay up (node's server 'close'
   * would wait for them, so we do not).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const sockets = this.#sockets;
    this.#sockets = [];
    for (const s of sockets) s.server.close();
    // libuv closes the listening fds on its next turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async #open(): Promise<void> {
    const port = this.#options.port ?? BGP_PORT;
    const addresses = (this.#options.addresses ?? DEFAULT_LISTEN_ADDRESSES).map(canonicalAddress);
    const hasV4Wildcard = addresses.includes('0.0.0.0');
    for (const address of addresses) {
      const family = ipFamily(address) as IpFamily;
      const dualStack = address === '::' && !hasV4Wildcard;
      this.#sockets.push(await this.#openOne(address, family, dualStack, port));
    }
  }

  async #openOne(address: string, family: IpFamily, dualStack: boolean, port: number): Promise<ListeningSocket> {
    const netns = this.#options.netns ?? null;
    let fd: number;
    try {
      fd = nativeCall('listening socket', (n) => n.socket(family, netns));
    } catch (e) {
      throw new ListenFailedError(address, port, e);
    }
    try {
      nativeCall(`prepare listener ${address}`, (n) => {
        const c = n.constants;
        n.setInt(fd, c.SOL_SOCKET, c.SO_REUSEADDR, 1);
        if (family === 6) n.setInt(fd, c.IPPROTO_IPV6, c.IPV6_V6ONLY, dualStack ? 0 : 1);
        if (family === 4 || dualStack) n.setInt(fd, c.IPPROTO_IP, c.IP_TTL, LISTENER_TTL);
        if (family === 6) n.setInt(fd, c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS, LISTENER_TTL);
        n.bind(fd, address, port);
        n.listen(fd, this.#options.backlog ?? DEFAULT_BACKLOG);
      });
    } catch (e) {
      nativeCall('close', (n) => n.close(fd));
      throw new ListenFailedError(address, port, e);
    }
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#onSocket(socket));
    server.on('error', (err) => this.#emitError(new SocketError(err)));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ListenFailedError(address, port, err));
      server.once('error', onError);
      server.listen({ fd }, () => {
        server.removeListener('error', onError);
        resolve();
      });
    });
    return { address, family, dualStack, server, fd };
  }

  #onSocket(socket: Socket): void {
    if (this.#closed || socket.remoteAddress === undefined) {
      // Closing, or the peer already reset it.
      socket.resetAndDestroy();
      return;
    }
    const remoteAddress = canonicalAddress(socket.remoteAddress);
    const settings = this.#peers.get(remoteAddress);
    if (!settings) {
      const info: RejectedConnection = {
        reason: 'unknown-peer',
        remoteAddress,
        remotePort: socket.remotePort ?? 0,
        localAddress: canonicalAddress(socket.localAddress ?? '::'),
        localPort: socket.localPort ?? 0,
      };
      // RST rather than FIN: nothing to flush, and no TIME_WAIT left behind for a stranger's connection.
      socket.resetAndDestroy();
      this.emit('rejected', info);
      return;
    }
    if (this.listenerCount('connection') === 0) {
      // Nobody could own the connection; the peer retries later.
      socket.resetAndDestroy();
      return;
    }
    try {
      const fd = fdOf(socket);
      const family: IpFamily = nativeCall('domain', (n) => n.domain(fd));
      // Accepted sockets inherit the listener's TTL 255 and its minimum TTL; give them the peer's own.
      applyTtl(fd, family, remoteAddress, settings.ttl ?? { ttl: KERNEL_DEFAULT_TTL, minTtl: NO_MIN_TTL });
      applyStreamOptions(fd);
    } catch (e) {
      socket.destroy();
      this.#emitError(e instanceof TransportError ? e : new SocketError(e));
      return;
    }
    // The socket stays paused (pauseOnConnect) until the owner listens for the connection's 'data'.
    const connection = new BgpConnection(socket, 'inbound', this.#options.connection);
    this.emit('connection', connection, remoteAddress);
  }

  /**
   * GTSM: the kernel checks the minimum TTL on the socket a segment reaches, and SYNs reach the listener, which
   * is shared by all peers. So the listener demands, per address family, the lowest minimum any peer of that family
   * allows (0 as soon as one of them has no GTSM); accepted sockets then get their own peer's minimum. With mixed
   * peers a too-distant GTSM peer can complete the handshake, but its segments after that are dropped.
   */
  #updateListenerMinTtl(): void {
    const minimum = (family: IpFamily): number => {
      let min = Number.POSITIVE_INFINITY;
      for (const [peer, settings] of this.#peers) {
        if (ipFamily(peer) === family) min = Math.min(min, settings.ttl?.minTtl ?? NO_MIN_TTL);
      }
      return Number.isFinite(min) ? min : NO_MIN_TTL;
    };
    const v4 = minimum(4);
    const v6 = minimum(6);
    for (const s of this.#sockets) {
      nativeCall('listener minimum TTL', (n) => {
        const c = n.constants;
        if (s.family === 4 || s.dualStack) n.setInt(s.fd, c.IPPROTO_IP, c.IP_MINTTL, v4);
        if (s.family === 6) n.setInt(s.fd, c.IPPROTO_IPV6, c.IPV6_MINHOPCOUNT, v6);
      });
    }
  }

  #socketsFor(peer: string): ListeningSocket[] {
    return this.#sockets.filter((s) => this.#accepts(s, peer));
  }

  #accepts(s: ListeningSocket, peer: string): boolean {
    const family = ipFamily(peer);
    return family === s.family || (family === 4 && s.dualStack);
  }

  #emitError(error: TransportError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
