// How long the testkit's building blocks take on this machine, so test authors can budget suites.
// Run: npm run bench -w @kroute/testkit (as root). Prints one line per step: median and max over the runs.
import { performance } from 'node:perf_hooks';
import { Lab, requireGobgpd, requireNetns, startGobgpd } from '../src/index.js';

const RUNS = 5;
const GOBGPD_RUNS = 3;

function summary(name: string, samples: number[]): void {
  const sorted = [...samples].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const max = sorted[sorted.length - 1] ?? NaN;
  console.log(`${name.padEnd(44)} median ${median.toFixed(1).padStart(8)} ms   max ${max.toFixed(1).padStart(8)} ms   (n=${samples.length})`);
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  samples.push(performance.now() - t0);
  return value;
}

requireNetns();
requireGobgpd();
const s = { create: [] as number[], netns: [] as number[], veth: [] as number[], spawnStop: [] as number[], cleanup: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  const lab = await timed(s.create, () => Lab.create('bench'));
  const a = await timed(s.netns, () => lab.netns('a'));
  const b = await timed(s.netns, () => lab.netns('b'));
  await timed(s.veth, () => lab.veth(a, b, { aAddrs: ['10.0.0.1/24', 'fd00::1/64'], bAddrs: ['10.0.0.2/24', 'fd00::2/64'] }));
  await timed(s.spawnStop, async () => {
    const p = a.spawn('sleep', ['60']);
    await p.stop();
  });
  await timed(s.cleanup, () => lab.cleanup());
}
summary('Lab.create (includes the stale sweep)', s.create);
summary('lab.netns()', s.netns);
summary('lab.veth() with v4+v6 addresses', s.veth);
summary('spawn + stop (SIGTERM) of sleep', s.spawnStop);
summary('lab.cleanup() of 2 namespaces', s.cleanup);

const g = { start: [] as number[], session: [] as number[], route: [] as number[] };
for (let i = 0; i < GOBGPD_RUNS; i++) {
  const lab = await Lab.create('bench-gobgpd');
  try {
    const a = await lab.netns('a');
    const b = await lab.netns('b');
    await lab.veth(a, b, { aAddrs: ['10.0.0.1/24'], bAddrs: ['10.0.0.2/24'] });
    const t0 = performance.now();
    const [ga, gb] = await Promise.all([
      timed(g.start, () => startGobgpd(a, { asn: 65001, routerId: '10.0.0.1', neighbors: [{ address: '10.0.0.2', asn: 65002 }] })),
      timed(g.start, () => startGobgpd(b, { asn: 65002, routerId: '10.0.0.2', neighbors: [{ address: '10.0.0.1', asn: 65001 }] })),
    ]);
    await ga.waitForState('10.0.0.2');
    g.session.push(performance.now() - t0);
    await timed(g.route, async () => {
      await ga.addRoute('10.99.0.0/24', { nextHop: '10.0.0.1' });
      await gb.waitForRoute('10.99.0.0/24');
    });
  } finally {
    await lab.cleanup();
  }
}
summary('startGobgpd() until its API answers', g.start);
summary('two gobgpd: start until Established', g.session);
summary('addRoute until the peer has it', g.route);
