/**
 * Loads the kroute netlink addon (native/netlink.cc, built by node-gyp at install time).
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options the addon's socket constructor understands. */
export interface NativeSocketOptions {
  protocol: number;
  netns?: string;
  groups?: number[];
  receiveBufferSize?: number;
  sendBufferSize?: number;
  noEnobufs?: boolean;
  extendedAck?: boolean;
  capAck?: boolean;
  strictCheck?: boolean;
}

/** The addon's socket: raw bytes in and out, reads delivered through `onRead`. */
export interface NativeSocket {
  /** One sendmsg with every buffer as an iovec; returns the bytes sent; throws an Error with `errno`. */
  send(data: Buffer | Buffer[]): number;
  /** Starts libuv polling; reads arrive through the constructor's `onRead`. */
  start(): void;
  stop(): void;
  ref(): void;
  unref(): void;
  close(): void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
  setNoEnobufs(on: boolean): void;
  readonly portId: number;
  readonly receiveBufferSize: number;
  readonly fd: number;
}

/** `onRead(0, data)`: concatenated datagrams; `onRead(errno)`: a receive error such as ENOBUFS. */
export type NativeReadCallback = (errno: number, data: Buffer | undefined) => void;

interface NativeModule {
  NetlinkSocket: new (options: NativeSocketOptions, onRead: NativeReadCallback) => NativeSocket;
}

let loaded: NativeModule | undefined;

/** The addon; throws a clear error if it was not built. */
export function nativeNetlink(): NativeModule {
  if (loaded) return loaded;
  // dist/src/netlink/native.js (or src/netlink/native.ts) → package root
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', '..', 'build', 'Release', 'kroute_netlink.node'), join(here, '..', '..', 'build', 'Release', 'kroute_netlink.node')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new Error(
      `kroute netlink addon not built (looked for ${candidates.join(', ')}); run \`npm install\` or ` +
        '`node native/build.mjs` in packages/routing',
    );
  }
  const require = createRequire(import.meta.url);
  loaded = require(path) as NativeModule;
  return loaded;
}
