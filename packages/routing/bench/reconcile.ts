// Benchmark: the RouteReconciler against `ip -batch` in the same run, in a throwaway namespace. For N best paths
// (/32s via a veth neighbour): reconcile from empty, a no-op reconcile (full pass: dump, re-plan, diff, nothing sent),
// then removal of every path. `ip -batch` does add, a `replace` of every route (what kube-router's RouteSync does each
// period), and delete. Prints routes/s.
// Run (root): node dist/bench/reconcile.js   [KROUTE_BENCH_SIZES=10000,100000 KROUTE_BENCH_ROUNDS=1]
import { performance } from 'node:perf_hooks';
import { RouteReconciler, type BestPath } from '../src/index.js';
import { GATEWAY, SIZES, countRoutes as countProto, dst, fastest, ipBatch, withBenchNetns } from './bench-netns.js';

/** Each method runs this many times per size, alternating, and the best run counts: the machine is shared. */
const ROUNDS = Number(process.env.KROUTE_BENCH_ROUNDS ?? 2);
const PROTO = 17;

function countRoutes(ns: string): number {
  return countProto(ns, PROTO);
}

interface Timing {
  addMs: number;
  noopMs: number;
  delMs: number;
}

async function runReconciler(ns: string, paths: BestPath[]): Promise<Timing> {
  const n = paths.length;
  const rec = new RouteReconciler({ netns: ns, syncPeriodMs: 0, overlay: { enabled: false, type: 'subnet', encap: 'ipip' } });
  try {
    for (const p of paths) rec.setPath(p);
    let t = performance.now();
    const added = await rec.start();
    const addMs = performance.now() - t;
    if (added.counts.added !== n || countRoutes(ns) !== n) throw new Error(`reconcile add: ${added.counts.added} added, ${countRoutes(ns)} in kernel`);
    // Let the notifications of our own adds drain (they only confirm the mirror) before timing the no-op pass.
    await new Promise((r) => setTimeout(r, 200));
    await rec.settled();
    t = performance.now();
    const noop = await rec.resync('periodic');
    const noopMs = performance.now() - t;
    if (noop.counts.unchanged !== n || noop.changes.length !== 0) throw new Error(`no-op reconcile changed ${noop.changes.length} routes`);
    t = performance.now();
    rec.replacePaths([]);
    await rec.settled();
    const delMs = performance.now() - t;
    if (countRoutes(ns) !== 0) throw new Error(`reconcile removal left ${countRoutes(ns)} routes`);
    return { addMs, noopMs, delMs };
  } finally {
    rec.stop();
  }
}

async function runIpBatch(ns: string, n: number): Promise<Timing> {
  const lines = (verb: string): string[] => Array.from({ length: n }, (_, i) => `route ${verb} ${dst(i)} via ${GATEWAY} proto ${PROTO}`);
  let t = performance.now();
  await ipBatch(ns, lines('add'));
  const addMs = performance.now() - t;
  if (countRoutes(ns) !== n) throw new Error('ip -batch add: wrong count');
  t = performance.now();
  await ipBatch(ns, lines('replace'));
  const noopMs = performance.now() - t;
  t = performance.now();
  await ipBatch(ns, Array.from({ length: n }, (_, i) => `route del ${dst(i)} proto ${PROTO}`));
  const delMs = performance.now() - t;
  if (countRoutes(ns) !== 0) throw new Error('ip -batch del left routes behind');
  return { addMs, noopMs, delMs };
}

async function main(): Promise<void> {
  await withBenchNetns('kr-rbench', async (ns) => {
    const rows: string[] = [];
    const cell = (n: number, ms: number): string => Math.round(n / (ms / 1000)).toString().padStart(12);
    for (const n of SIZES) {
      const paths: BestPath[] = Array.from({ length: n }, (_, i) => ({ prefix: dst(i), nextHops: [{ address: GATEWAY, clusterNode: true }] }));
      const ours: Timing[] = [];
      const theirs: Timing[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await runReconciler(ns, paths));
        theirs.push(await runIpBatch(ns, n));
      }
      const k = fastest(ours);
      const i = fastest(theirs);
      rows.push(`${String(n).padStart(8)}  ${'kroute RouteReconciler'.padEnd(24)}  ${cell(n, k.addMs)}  ${cell(n, k.noopMs)}  ${cell(n, k.delMs)}`);
      rows.push(`${String(n).padStart(8)}  ${'ip -batch -'.padEnd(24)}  ${cell(n, i.addMs)}  ${cell(n, i.noopMs)}  ${cell(n, i.delMs)}`);
    }
    console.log(`\nroutes/s, best of ${ROUNDS} alternating runs; no-op = reconciler full pass (dump+diff) vs ip -batch replace of every route\n`);
    console.log(`${'routes'.padStart(8)}  ${'method'.padEnd(24)}  ${'add/s'.padStart(12)}  ${'no-op/s'.padStart(12)}  ${'remove/s'.padStart(12)}`);
    for (const r of rows) console.log(r);
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
