// Loads the kroute_sockopt N-API addon (packages/bgp/native/sockopt.cc, built by node-gyp at install time).
import { createRequire } from 'node:module';
import { NativeAddonError, SocketOptionError } from './errors.js';

export interface NativeConstants {
  readonly SOL_SOCKET: number;
  readonly SO_REUSEADDR: number;
  readonly IPPROTO_IP: number;
  readonly IPPROTO_IPV6: number;
  readonly IPPROTO_TCP: number;
  readonly IP_TTL: number;
  readonly IP_MINTTL: number;
  readonly IPV6_UNICAST_HOPS: number;
  readonly IPV6_MINHOPCOUNT: number;
  readonly IPV6_V6ONLY: number;
  readonly TCP_NODELAY: number;
  readonly TCP_NOTSENT_LOWAT: number;
  readonly TCP_MD5SIG: number;
  readonly TCP_MD5SIG_EXT: number;
}

export interface SockoptAddon {
  /** A new TCP socket fd, created inside /var/run/netns/<netns> when netns is given. */
  socket(family: 4 | 6, netns?: string | null): number;
  bind(fd: number, address: string, port: number): void;
  listen(fd: number, backlog: number): void;
  /** For fds never handed to node:net. */
  close(fd: number): void;
  /** RFC 2385 key for `peer`; null or empty removes it. An IPv4 peer on an AF_INET6 socket is mapped to ::ffff:a.b.c.d. */
  setMd5(fd: number, peer: string, key: string | Uint8Array | null, prefixLen?: number): void;
  setInt(fd: number, level: number, option: number, value: number): void;
  getInt(fd: number, level: number, option: number): number;
  /** The fd's address family. */
  domain(fd: number): 4 | 6;
  readonly constants: NativeConstants;
}

// dist/src/transport/native.js → packages/bgp/build/Release
const ADDON_PATH = '../../../build/Release/kroute_sockopt.node';

let cached: SockoptAddon | undefined;

export function sockopt(): SockoptAddon {
  if (cached) return cached;
  try {
    cached = createRequire(import.meta.url)(ADDON_PATH) as SockoptAddon;
  } catch (e) {
    throw new NativeAddonError(
      'the kroute_sockopt addon is not built; run `npm ci` or `npm run build:native -w @kroute/bgp`',
      e,
    );
  }
  return cached;
}

/** Runs a native call, turning its errno-carrying Error into a SocketOptionError. */
export function nativeCall<T>(what: string, fn: (addon: SockoptAddon) => T): T {
  const addon = sockopt();
  try {
    return fn(addon);
  } catch (e) {
    throw new SocketOptionError(`${what}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
