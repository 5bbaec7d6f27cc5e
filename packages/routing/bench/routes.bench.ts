// Benchmark: install then remove N routes in a throwaway namespace, through our batched rtnetlink client and
// through one `ip -batch -` process, in the same run. Prints routes per second for each.
// Run: npm run bench -w @kroute/routing (root; creates and deletes its own namespaces).
import { performance } from 'node:perf_hooks';
import { AF_INET, Rtnl, deleteRouteRequest, newRouteRequest, type Route } from '../src/index.js';
import { GATEWAY, SIZES, countRoutes as countProto, dst, fastest, ip, ipBatch, withBenchNetns } from './bench-netns.js';

const PROTO = 201; // a protocol number nothing else on a test namespace uses
/** Each method runs this many times per size, alternating, and the best run counts: the machine is shared. */
const ROUNDS = Number(process.env.KROUTE_BENCH_ROUNDS ?? 3);

function countRoutes(ns: string): number {
  return countProto(ns, PROTO);
}

interface Row {
  routes: number;
  method: string;
  addPerSec: number;
  delPerSec: number;
  dumpPerSec: number;
}

interface Timing {
  addMs: number;
  delMs: number;
  /** Reading the N routes back: our dump + decode, or `ip -j route show` + JSON.parse. */
  dumpMs: number;
}

async function runKroute(ns: string, routes: Route[]): Promise<Timing & { sendCalls: number }> {
  const n = routes.length;
  const rtnl = Rtnl.open({ netns: ns });
  try {
    let t = performance.now();
    const added = await rtnl.batch(routes.map((r) => newRouteRequest(r)));
    const addMs = performance.now() - t;
    const addFailed = added.filter((r) => !r.ok).length;
    if (addFailed > 0 || countRoutes(ns) !== n) throw new Error(`kroute add: ${addFailed} failed, ${countRoutes(ns)} in kernel`);
    const sendCalls = rtnl.socket.sendCalls;
    t = performance.now();
    const dumped = await rtnl.listRoutes({ family: AF_INET, protocol: PROTO });
    const dumpMs = performance.now() - t;
    if (dumped.length !== n) throw new Error(`kroute dump: ${dumped.length} routes, expected ${n}`);
    t = performance.now();
    const deleted = await rtnl.batch(routes.map((r) => deleteRouteRequest({ dst: r.dst, protocol: PROTO })));
    const delMs = performance.now() - t;
    const delFailed = deleted.filter((r) => !r.ok).length;
    if (delFailed > 0 || (await rtnl.listRoutes({ family: AF_INET, protocol: PROTO })).length !== 0) {
      throw new Error(`kroute delete: ${delFailed} failed`);
    }
    return { addMs, delMs, dumpMs, sendCalls };
  } finally {
    rtnl.close();
  }
}

async function runIpBatch(ns: string, routes: Route[]): Promise<Timing> {
  const n = routes.length;
  let t = performance.now();
  await ipBatch(ns, routes.map((r) => `route add ${r.dst} via ${GATEWAY} dev veth0 proto ${PROTO}`));
  const addMs = performance.now() - t;
  t = performance.now();
  const shown = (JSON.parse(ip('-n', ns, '-j', 'route', 'show', 'proto', String(PROTO))) as unknown[]).length;
  const dumpMs = performance.now() - t;
  if (shown !== n) throw new Error(`ip -batch add: ${shown} routes in kernel, expected ${n}`);
  t = performance.now();
  await ipBatch(ns, routes.map((r) => `route del ${r.dst} proto ${PROTO}`));
  const delMs = performance.now() - t;
  if (countRoutes(ns) !== 0) throw new Error('ip -batch del left routes behind');
  return { addMs, delMs, dumpMs };
}

async function benchOne(ns: string, oif: number, n: number): Promise<Row[]> {
  const routes: Route[] = Array.from({ length: n }, (_, i) => ({ dst: dst(i), gateway: GATEWAY, oif, protocol: PROTO }));
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  let sendCalls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const k = await runKroute(ns, routes);
    sendCalls = k.sendCalls;
    ours.push(k);
    theirs.push(await runIpBatch(ns, routes));
  }
  const rate = (ms: number): number => n / (ms / 1000);
  const k = fastest(ours);
  const i = fastest(theirs);
  return [
    { routes: n, method: `kroute Rtnl (${sendCalls} sendmsg)`, addPerSec: rate(k.addMs), delPerSec: rate(k.delMs), dumpPerSec: rate(k.dumpMs) },
    { routes: n, method: 'ip -batch - / ip -j route', addPerSec: rate(i.addMs), delPerSec: rate(i.delMs), dumpPerSec: rate(i.dumpMs) },
  ];
}

async function main(): Promise<void> {
  await withBenchNetns('kr-bench', async (ns, oif) => {
    const rows: Row[] = [];
    for (const n of SIZES) rows.push(...(await benchOne(ns, oif, n)));
    console.log(`\nroutes/s, install then remove /32 routes via a veth neighbour, one namespace; best of ${ROUNDS} alternating runs\n`);
    const cell = (v: number): string => Math.round(v).toString().padStart(10);
    console.log(`${'routes'.padStart(8)}  ${'method'.padEnd(30)}  ${'add/s'.padStart(10)}  ${'delete/s'.padStart(10)}  ${'read/s'.padStart(10)}`);
    for (const r of rows) {
      console.log(`${String(r.routes).padStart(8)}  ${r.method.padEnd(30)}  ${cell(r.addPerSec)}  ${cell(r.delPerSec)}  ${cell(r.dumpPerSec)}`);
    }
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
