// Typed errors of the transport. Each carries a stable `code` so the session can show why a peer is down.

export type TransportErrorCode =
  | 'NATIVE_ADDON'
  | 'SOCKET_OPTION'
  | 'CONFIG'
  | 'CONNECT_TIMEOUT'
  | 'CONNECT_ABORTED'
  | 'CONNECT_FAILED'
  | 'LISTEN_FAILED'
  | 'CONNECTION_CLOSED'
  | 'UPDATE_QUEUE_OVERFLOW'
  | 'SOCKET';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** errno name from the OS (ECONNREFUSED, EPERM, ...) when the failure came from a system call. */
  readonly errno: string | undefined;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.errno = options?.errno ?? errnoOf(options?.cause);
  }
}

/** The native addon could not be loaded (not built: run `npm ci` or `npm run build:native -w @kroute/bgp`). */
export class NativeAddonError extends TransportError {
  constructor(message: string, cause?: unknown) {
    super('NATIVE_ADDON', message, { cause });
  }
}

/** A setsockopt/socket/bind/listen call failed (e.g. EPERM without CAP_NET_ADMIN, ENOENT for a missing netns). */
export class SocketOptionError extends TransportError {
  constructor(message: string, cause?: unknown) {
    super('SOCKET_OPTION', message, { cause });
  }
}

/** Invalid transport configuration (TTL out of range, multihop together with GTSM, bad address). */
export class TransportConfigError extends TransportError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** No answer within the connect timeout. With TCP-MD5 a closed port looks like this: its RST is unsigned and dropped. */
export class ConnectTimeoutError extends TransportError {
  readonly timeoutMs: number;
  /** A key was set: the silence may also be a password mismatch, which the peer's kernel drops without an answer. */
  readonly md5: boolean;
  constructor(host: string, port: number, timeoutMs: number, md5 = false) {
    super(
      'CONNECT_TIMEOUT',
      `connect to ${formatHostPort(host, port)} timed out after ${timeoutMs} ms` +
        (md5 ? ' (TCP-MD5 is set: a wrong or missing password on the peer, or a closed port, looks like this)' : ''),
    );
    this.timeoutMs = timeoutMs;
    this.md5 = md5;
  }
}

export class ConnectAbortedError extends TransportError {
  constructor(host: string, port: number) {
    super('CONNECT_ABORTED', `connect to ${formatHostPort(host, port)} aborted`);
  }
}

/** The kernel refused the attempt (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ...). */
export class ConnectFailedError extends TransportError {
  constructor(host: string, port: number, cause: unknown) {
    super('CONNECT_FAILED', `connect to ${formatHostPort(host, port)} failed: ${messageOf(cause)}`, { cause });
  }
}

export class ListenFailedError extends TransportError {
  constructor(address: string, port: number, cause: unknown) {
    super('LISTEN_FAILED', `listen on ${formatHostPort(address, port)} failed: ${messageOf(cause)}`, { cause });
  }
}

/** send() on a connection that has already reported 'close'. */
export class ConnectionClosedError extends TransportError {
  constructor() {
    super('CONNECTION_CLOSED', 'connection is closed');
  }
}

/**
 * The caller kept queueing UPDATEs long after 'backpressure' was signalled. The hard limit keeps memory bounded
 * even for a caller that ignores the signal.
 */
export class UpdateQueueOverflowError extends TransportError {
  constructor(queued: number, limit: number) {
    super('UPDATE_QUEUE_OVERFLOW', `UPDATE queue would exceed its limit (${queued} of ${limit} bytes queued)`);
  }
}

/** An error reported by the socket after the connection was established (ECONNRESET, EPIPE, ETIMEDOUT, ...). */
export class SocketError extends TransportError {
  constructor(cause: unknown) {
    super('SOCKET', `socket error: ${messageOf(cause)}`, { cause });
  }
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errnoOf(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
