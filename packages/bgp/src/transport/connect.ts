// Active open (RFC 4271 §8: the TCP connection the FSM initiates in Connect state). The fd is created natively so
// that TCP-MD5 and TTL options are in place before the SYN; node:net then adopts it and connects.
import { Socket } from 'node:net';
import { canonicalAddress, ipFamily } from './addresses.js';
import { BgpConnection, type ConnectionOptions } from './connection.js';
import {
  ConnectAbortedError,
  ConnectFailedError,
  ConnectTimeoutError,
  TransportConfigError,
  type TransportError,
} from './errors.js';
import { nativeCall } from './native.js';
import { applyStreamOptions, applyTtl } from './sockets.js';
import { NO_MIN_TTL } from './ttl.js';

/** RFC 4271 §9.2 assigns BGP port 179. */
export const BGP_PORT = 179;
/**
 * Connect timeout when none is given. The FSM's ConnectRetry timer (RFC 4271 §10, 120 s suggested) normally bounds
 * an attempt; this default only has to be long enough for SYN retransmissions to reach a slow peer.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export interface ConnectOptions extends ConnectionOptions {
  host: string;
  port?: number;
  localAddress?: string;
  localPort?: number;
  /** RFC 2385 password; null/undefined/empty for none. */
  md5Key?: string | Uint8Array | null;
  /** TTL / hop limit to send with (see ttlSettings()); the OS default when absent. */
  ttl?: number;
  /** IP_MINTTL / IPV6_MINHOPCOUNT (GTSM); 0 or absent for none. */
  minTtl?: number;
  /** Create the socket inside /var/run/netns/<netns>. */
  netns?: string;
  /** Own timeout of this attempt: with MD5 a closed port never answers (its RST is unsigned). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function connectPeer(options: ConnectOptions): Promise<BgpConnection> {
  const port = options.port ?? BGP_PORT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const family = ipFamily(options.host);
  if (family === null) return Promise.reject(new TransportConfigError(`peer host must be an IP address: ${options.host}`));
  const host = canonicalAddress(options.host);
  if (options.localAddress !== undefined && ipFamily(options.localAddress) !== family) {
    return Promise.reject(
      new TransportConfigError(`local address ${options.localAddress} is not of the peer's family (IPv${family})`),
    );
  }
  if (options.signal?.aborted) return Promise.reject(new ConnectAbortedError(host, port));

  let fd: number;
  try {
    fd = prepareSocket(family, host, options);
  } catch (e) {
    return Promise.reject(e);
  }

  return new Promise<BgpConnection>((resolve, reject) => {
    // node:net adopts the fd (libuv keeps using it: the options set above survive into connect()).
    const socket = new Socket({ fd, readable: true, writable: true });
    let settled = false;
    const finish = (error: TransportError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      if (error) {
        socket.destroy();
        reject(error);
        return;
      }
      resolve(new BgpConnection(socket, 'outbound', options));
    };
    const onError = (err: Error): void => finish(new ConnectFailedError(host, port, err));
    const onAbort = (): void => finish(new ConnectAbortedError(host, port));
    const md5 = options.md5Key !== undefined && options.md5Key !== null && options.md5Key.length > 0;
    const timer = setTimeout(() => finish(new ConnectTimeoutError(host, port, timeoutMs, md5)), timeoutMs);
    socket.on('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.connect({ host, port }, () => finish(null));
  });
}

function prepareSocket(family: 4 | 6, host: string, options: ConnectOptions): number {
  const fd = nativeCall(`socket for ${host}${options.netns ? ` in netns ${options.netns}` : ''}`, (n) =>
    n.socket(family, options.netns ?? null),
  );
  try {
    if (options.md5Key !== undefined && options.md5Key !== null && options.md5Key.length > 0) {
      const key = options.md5Key;
      nativeCall(`TCP-MD5 key for ${host}`, (n) => n.setMd5(fd, host, key));
    }
    if (options.ttl !== undefined) {
      applyTtl(fd, family, host, { ttl: options.ttl, minTtl: options.minTtl ?? NO_MIN_TTL });
    } else if (options.minTtl !== undefined) {
      throw new TransportConfigError('minTtl needs ttl as well (GTSM sends with TTL 255)');
    }
    applyStreamOptions(fd);
    if (options.localAddress !== undefined || options.localPort !== undefined) {
      const local = options.localAddress ?? (family === 4 ? '0.0.0.0' : '::');
      nativeCall(`bind ${local}`, (n) => n.bind(fd, local, options.localPort ?? 0));
    }
    return fd;
  } catch (e) {
    nativeCall('close', (n) => n.close(fd));
    throw e;
  }
}
