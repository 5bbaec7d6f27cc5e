// The kroute target of bench/speaker.ts, run as its own process inside the target namespace (so its CPU and peak
// RSS are its own): a BgpSpeaker passive towards the generator and active towards the monitor. Reports over IPC
// when its Loc-RIB holds all N prefixes, and its CPU and peak RSS when asked.
import { BgpSpeaker } from '../../src/speaker/index.js';

interface TargetConfig {
  asn: number;
  routerId: string;
  generator: { address: string; asn: number };
  monitor: { address: string; asn: number };
  prefixes: number;
}

export type TargetMessage =
  | { type: 'ready' }
  | { type: 'held'; at: number }
  | { type: 'usage'; cpuSeconds: number; maxRssBytes: number; locRib: number };

const POLL_MS = 5;
const KIB = 1024;
const MICROS = 1e6;

const cfg = JSON.parse(process.argv[2] ?? '{}') as TargetConfig;
const send = (m: TargetMessage): void => {
  process.send?.(m);
};

const speaker = new BgpSpeaker({ asn: cfg.asn, routerId: cfg.routerId, listen: { addresses: ['::'], port: 179 } });
speaker.addPeer({ address: cfg.generator.address, asn: cfg.generator.asn, passive: true });
speaker.addPeer({ address: cfg.monitor.address, asn: cfg.monitor.asn, connectRetry: { initialMs: 500, maxMs: 2000 } });
await speaker.start();
send({ type: 'ready' });

let held = false;
const poll = setInterval(() => {
  if (!held && speaker.locRibSize('ipv4-unicast') >= cfg.prefixes) {
    held = true;
    send({ type: 'held', at: Date.now() });
  }
}, POLL_MS);

process.on('message', (m: { type: string }) => {
  if (m.type === 'usage') {
    const cpu = process.cpuUsage();
    send({ type: 'usage', cpuSeconds: (cpu.user + cpu.system) / MICROS, maxRssBytes: process.resourceUsage().maxRSS * KIB, locRib: speaker.locRibSize() });
  } else if (m.type === 'stop') {
    clearInterval(poll);
    void speaker.stop().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
// A clean exit on the Lab's SIGTERM, so `--cpu-prof` (via NODE_OPTIONS) can write its profile.
process.on('SIGTERM', () => process.exit(0));
