// Shared fixtures for the FSM tests: a fake clock, a config, OPENs, and an action summariser.
import { ConnectionFsm, type ConnectionFsmConfig, type FsmAction, type FsmEnvironment, type PeerFsmConfig } from '../src/fsm/index.js';
import { BgpError } from '../src/wire/errors.js';
import { Afi, Safi } from '../src/wire/constants.js';
import type { OpenMessage } from '../src/wire/types.js';

export const LOCAL_AS = 65001;
export const PEER_AS = 65002;
export const LOCAL_ID = 0x0a000001; // 10.0.0.1
export const PEER_ID = 0x0a000002; // 10.0.0.2
export const HOLD_TIME = 90;

export class FakeEnv implements FsmEnvironment {
  t = 0;
  /** Values returned by random(), cycled; 1 - 1e-9 ≈ no jitter reduction, 0 = the most (×0.75). */
  randoms: number[] = [0.5];
  private i = 0;
  now(): number {
    return this.t;
  }
  random(): number {
    const r = this.randoms[this.i % this.randoms.length]!;
    this.i += 1;
    return r;
  }
}

export function localOpen(asn = LOCAL_AS, id = LOCAL_ID, holdTime = HOLD_TIME): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: asn > 0xffff ? 23456 : asn,
    holdTime,
    bgpIdentifier: id,
    capabilities: [
      { kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn },
    ],
  };
}

export function peerOpen(overrides: Partial<OpenMessage> = {}): OpenMessage {
  return { ...localOpen(PEER_AS, PEER_ID), ...overrides };
}

export function fsmConfig(overrides: Partial<ConnectionFsmConfig> = {}): ConnectionFsmConfig {
  return {
    localAs: LOCAL_AS,
    routerId: LOCAL_ID,
    localOpen: localOpen(),
    peerAs: PEER_AS,
    connectRetry: { initialMs: 5_000, maxMs: 120_000 },
    restart: { initialMs: 1_000, maxMs: 60_000 },
    damping: { initialMs: 10_000, maxMs: 120_000, decayMs: 300_000 },
    dampPeerOscillations: false,
    autoRestart: false,
    passive: false,
    ...overrides,
  };
}

export function peerConfig(overrides: Partial<PeerFsmConfig> = {}): PeerFsmConfig {
  return { ...fsmConfig(), collisionDetectEstablished: false, ...overrides };
}

export function newFsm(overrides: Partial<ConnectionFsmConfig> = {}, env = new FakeEnv()): { fsm: ConnectionFsm; env: FakeEnv } {
  let next = 1;
  return { fsm: new ConnectionFsm(fsmConfig(overrides), env, () => next++), env };
}

export const headerError = (): BgpError => new BgpError(1, 2, 'bad length', new Uint8Array([0, 5]));
export const openError = (): BgpError => new BgpError(2, 4, 'unsupported optional parameter');
export const updateError = (): BgpError => new BgpError(3, 1, 'malformed attribute list');

/** A compact, order-free view of what an event did: the fields each table row asserts. */
export interface Summary {
  readonly sent: string[];
  readonly closed: number[];
  readonly connect: boolean;
  readonly established: boolean;
  readonly down: boolean;
  readonly timersStarted: string[];
}

export function describeSent(a: FsmAction): string | undefined {
  if (a.type !== 'send') return undefined;
  const m = a.message;
  return m.type === 'notification' ? `notification ${m.code}/${m.subcode}` : m.type;
}

export function summarise(actions: readonly FsmAction[]): Summary {
  return {
    sent: actions.map(describeSent).filter((s): s is string => s !== undefined),
    closed: actions.flatMap((a) => (a.type === 'close' ? [a.conn] : [])),
    connect: actions.some((a) => a.type === 'connect'),
    established: actions.some((a) => a.type === 'established'),
    down: actions.some((a) => a.type === 'down'),
    timersStarted: actions.flatMap((a) => (a.type === 'start-timer' ? [a.timer] : [])).sort(),
  };
}
