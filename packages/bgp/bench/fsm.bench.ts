// FSM benchmark: how many whole session opens (ManualStart → Established → ManualStop) and how many Established
// message events (KEEPALIVE / UPDATE received, KEEPALIVE timer) the sans-IO PeerFsm processes per second.
// The FSM is never the bottleneck next to the codec and sockets; this keeps it that way.
import { performance } from 'node:perf_hooks';
import { PeerFsm, type PeerFsmConfig } from '../src/fsm/index.js';
import type { OpenMessage } from '../src/wire/types.js';

const OPENS = 100_000;
const EVENTS = 3_000_000;
const RUNS = 3;

const open = (asn: number, id: number): OpenMessage => ({
  type: 'open',
  version: 4,
  myAs: asn,
  holdTime: 90,
  bgpIdentifier: id,
  capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn }],
});

const cfg: PeerFsmConfig = {
  localAs: 65001,
  routerId: 0x0a000001,
  localOpen: open(65001, 0x0a000001),
  peerAs: 65002,
  connectRetry: { initialMs: 5000, maxMs: 120_000 },
  restart: { initialMs: 1000, maxMs: 60_000 },
  damping: { initialMs: 10_000, maxMs: 120_000, decayMs: 300_000 },
  dampPeerOscillations: false,
  autoRestart: false,
  passive: false,
  collisionDetectEstablished: false,
};
const env = { now: () => performance.now(), random: () => 0.5 };
const peerOpen = open(65002, 0x0a000002);

function opens(): number {
  const fsm = new PeerFsm(cfg, env);
  const t0 = performance.now();
  for (let i = 0; i < OPENS; i++) {
    const c = fsm.handle({ type: 'ManualStart' }).find((a) => a.type === 'connect');
    const conn = c && c.type === 'connect' ? c.conn : 0;
    fsm.handle({ type: 'Tcp_CR_Acked', conn });
    fsm.handle({ type: 'message', conn, message: peerOpen });
    fsm.handle({ type: 'message', conn, message: { type: 'keepalive' } });
    fsm.handle({ type: 'ManualStop' });
  }
  return OPENS / ((performance.now() - t0) / 1000);
}

function established(): number {
  const fsm = new PeerFsm(cfg, env);
  const c = fsm.handle({ type: 'ManualStart' }).find((a) => a.type === 'connect');
  const conn = c && c.type === 'connect' ? c.conn : 0;
  fsm.handle({ type: 'Tcp_CR_Acked', conn });
  fsm.handle({ type: 'message', conn, message: peerOpen });
  const est = fsm.handle({ type: 'message', conn, message: { type: 'keepalive' } });
  const keepaliveTimer = est.find((a) => a.type === 'start-timer' && a.timer.startsWith('keepalive'));
  const timer = keepaliveTimer && keepaliveTimer.type === 'start-timer' ? keepaliveTimer.timer : 'keepalive#1';
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    if (i % 3 === 2) fsm.handle({ type: 'timer', timer });
    else fsm.handle({ type: 'message', conn, message: { type: 'keepalive' } });
  }
  if (fsm.state !== 'Established') throw new Error(`left Established: ${fsm.state}`);
  return EVENTS / ((performance.now() - t0) / 1000);
}

const best = (f: () => number): number => Math.max(...Array.from({ length: RUNS }, f));
console.log(`fsm: ${Math.round(best(opens)).toLocaleString('en')} full session opens/s (start → Established → stop)`);
console.log(`fsm: ${Math.round(best(established)).toLocaleString('en')} Established events/s (KEEPALIVE received, keepalive timer)`);
