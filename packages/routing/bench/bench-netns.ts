// Shared by the routing benchmarks: `ip` helpers and the throwaway namespace pair they measure in.
import { execFileSync, spawn } from 'node:child_process';

/** Route counts to measure, from KROUTE_BENCH_SIZES (comma-separated). */
export const SIZES = (process.env.KROUTE_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
/** The neighbour in the peer namespace every benchmark route goes via. */
export const GATEWAY = '10.0.0.3';
/** `ip` output for 100k routes runs to tens of MiB. */
const IP_MAX_BUFFER = 256 * 1024 * 1024;

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', maxBuffer: IP_MAX_BUFFER });
}

/** Distinct /32s: 10.(16 + i / 65536).(i / 256 % 256).(i % 256). */
export function dst(i: number): string {
  return `10.${16 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}/32`;
}

/** Routes of protocol `proto` in namespace `ns`, as iproute2 lists them. */
export function countRoutes(ns: string, proto: number): number {
  return ip('-n', ns, 'route', 'show', 'proto', String(proto)).split('\n').filter(Boolean).length;
}

/** Feeds `lines` to one `ip -n NS -batch -` process. */
export function ipBatch(ns: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-n', ns, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${stderr.slice(0, 500)}`))));
    child.stdin.end(lines.join('\n') + '\n');
  });
}

/**
 * Runs `body` in namespace `<prefix>-<pid>`, whose veth0 (10.0.0.1/24, index `oif`) faces {@link GATEWAY} on veth1
 * in `<prefix>p-<pid>`; deletes both namespaces afterwards, whether `body` succeeds or throws.
 */
export async function withBenchNetns(prefix: string, body: (ns: string, oif: number) => Promise<void>): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error(`benchmark ${prefix}: needs root to create network namespaces`);
  const ns = `${prefix}-${process.pid}`;
  const peer = `${prefix}p-${process.pid}`;
  ip('netns', 'add', ns);
  try {
    ip('netns', 'add', peer);
    try {
      ip('-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', peer);
      ip('-n', ns, 'addr', 'add', '10.0.0.1/24', 'dev', 'veth0');
      ip('-n', peer, 'addr', 'add', `${GATEWAY}/24`, 'dev', 'veth1');
      ip('-n', ns, 'link', 'set', 'veth0', 'up');
      ip('-n', peer, 'link', 'set', 'veth1', 'up');
      const oif = (JSON.parse(ip('-n', ns, '-j', 'link', 'show', 'dev', 'veth0')) as { ifindex: number }[])[0]!.ifindex;
      await body(ns, oif);
    } finally {
      ip('netns', 'del', peer);
    }
  } finally {
    ip('netns', 'del', ns);
  }
}

/** Each timing field's least value over `runs`: on a shared machine the best run is the least disturbed one. */
export function fastest<T extends { [K in keyof T]: number }>(runs: T[]): T {
  const [first, ...rest] = runs;
  if (!first) throw new Error('fastest: no runs to choose from');
  const out = { ...first };
  for (const run of rest) {
    for (const key of Object.keys(out) as (keyof T)[]) out[key] = Math.min(out[key], run[key]) as T[keyof T];
  }
  return out;
}
