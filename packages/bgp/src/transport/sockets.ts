// Applying per-peer options to a socket fd, and reaching the fd inside a node:net socket.
import type { Server, Socket } from 'node:net';
import type { IpFamily } from './addresses.js';
import { ipFamily } from './addresses.js';
import { SocketOptionError } from './errors.js';
import { nativeCall } from './native.js';
import type { TtlSettings } from './ttl.js';

/**
 * Unsent bytes the kernel may hold per socket. Without a limit the kernel send buffer grows to megabytes
 * (tcp_wmem autotuning) and a KEEPALIVE written behind it waits until all of that is on the wire; with it, our own
 * queue — where KEEPALIVEs overtake UPDATEs — holds the backlog instead.
 */
export const NOTSENT_LOWAT_BYTES = 32 * 1024;

/** IP_TTL / IPV6_UNICAST_HOPS value that restores the kernel default (net.ipv4.ip_default_ttl, hop_limit). */
export const KERNEL_DEFAULT_TTL = -1;

interface HandleWithFd {
  _handle?: { fd?: number } | null;
}

/** The OS fd behind a connected socket or a listening server (node:net keeps it on the private _handle). */
export function fdOf(target: Socket | Server): number {
  const fd = (target as unknown as HandleWithFd)._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new SocketOptionError('socket has no file descriptor (closed?)');
  return fd;
}

/**
 * Sets the sending TTL and the minimum accepted TTL for traffic with `peer` on fd. On an AF_INET6 socket an IPv4
 * peer travels as IPv4 (mapped), which the IPv4 options (IPPROTO_IP) govern; an IPv6 peer uses the hop-limit options.
 */
export function applyTtl(fd: number, socketFamily: IpFamily, peer: string, settings: TtlSettings): void {
  nativeCall(`TTL options for ${peer}`, (n) => {
    const c = n.constants;
    const v4 = ipFamily(peer) === 4;
    if (v4) {
      n.setInt(fd, c.IPPROTO_IP, c.IP_TTL, settings.ttl);
      n.setInt(fd, c.IPPROTO_IP, c.IP_MINTTL, settings.minTtl);
    }
    if (!v4 && socketFamily === 6) {
      n.setInt(fd, c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS, settings.ttl);
      n.setInt(fd, c.IPPROTO_IPV6, c.IPV6_MINHOPCOUNT, settings.minTtl);
    }
  });
}

/** Options every BGP connection gets: no Nagle delay (RFC 4271 messages are small and latency matters), bounded unsent bytes. */
export function applyStreamOptions(fd: number): void {
  nativeCall('TCP_NODELAY/TCP_NOTSENT_LOWAT', (n) => {
    const c = n.constants;
    n.setInt(fd, c.IPPROTO_TCP, c.TCP_NODELAY, 1);
    n.setInt(fd, c.IPPROTO_TCP, c.TCP_NOTSENT_LOWAT, NOTSENT_LOWAT_BYTES);
  });
}

/** Reads back TTL and minimum TTL for the family of traffic with `peer` (for tests and diagnostics). */
export function readTtl(fd: number, peer: string): TtlSettings {
  return nativeCall('read TTL options', (n) => {
    const c = n.constants;
    if (ipFamily(peer) === 4) {
      return { ttl: n.getInt(fd, c.IPPROTO_IP, c.IP_TTL), minTtl: n.getInt(fd, c.IPPROTO_IP, c.IP_MINTTL) };
    }
    return {
      ttl: n.getInt(fd, c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS),
      minTtl: n.getInt(fd, c.IPPROTO_IPV6, c.IPV6_MINHOPCOUNT),
    };
  });
}

export function readNoDelay(fd: number): boolean {
  return nativeCall('read TCP_NODELAY', (n) => n.getInt(fd, n.constants.IPPROTO_TCP, n.constants.TCP_NODELAY) !== 0);
}
