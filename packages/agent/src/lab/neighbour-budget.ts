// The kernel's IPv4 neighbour (ARP) table is one table for every network namespace, capped by the host's
// net.ipv4.neigh.default.gc_thresh3 (1024 by default; the sysctl exists only in the initial namespace). kroute's
// VXLAN backend adds a PERMANENT neighbour per remote node on every node, so the namespace lab, with all N nodes in
// one kernel, needs N×(N−1) entries the kernel can never reclaim, plus a few live ones per node. Past the cap,
// new ARP entries fail with ENOBUFS ("neighbor table overflow!"), SYNs are never sent, and sessions hang (measured:
// N=40 and N=50 never converged, N=31 converged but lost pings, N=30 converged in 4 s and answered every ping).
import { readFileSync } from 'node:fs';

const GC_THRESH3_PATH = '/proc/sys/net/ipv4/neigh/default/gc_thresh3';
/** The kernel default, when the sysctl cannot be read (inside a non-initial namespace). */
const DEFAULT_GC_THRESH3 = 1024;
/**
 * Live (non-permanent) neighbours per node the lab needs on top: the router, its pod, and the underlay peers its
 * VXLAN packets are sent to (reclaimed and re-resolved under pressure). Calibrated on this kernel with the default
 * cap: 30 nodes converge and answer every ping; 31 converge but lose pings to ARP failures.
 */
const LIVE_ENTRIES_PER_NODE = 4;

export function neighbourTableCap(): number {
  try {
    const v = Number(readFileSync(GC_THRESH3_PATH, 'utf8').trim());
    return Number.isInteger(v) && v > 0 ? v : DEFAULT_GC_THRESH3;
  } catch {
    return DEFAULT_GC_THRESH3;
  }
}

export function neighbourEntriesNeeded(nodes: number): number {
  return nodes * (nodes - 1) + nodes * LIVE_ENTRIES_PER_NODE;
}

/** The largest node count whose neighbour entries fit under `cap`. */
export function maxNodesFor(cap: number): number {
  let n = 1;
  while (neighbourEntriesNeeded(n + 1) <= cap) n++;
  return n;
}
