// The RIB's per-peer state: Adj-RIB-In and Adj-RIB-Out per family, the export bookkeeping and compiled policies.
import type { CompiledChain } from '../policy/engine.js';
import type { AttrSet } from './attrs.js';
import { IndexMap } from './index-map.js';
import type { Path, Peer } from './path.js';

export interface FullScan {
  /** 0: Loc-RIB indices; 1: the Adj-RIB-Out keys as they were when phase 0 ended. */
  phase: 0 | 1;
  pos: number;
  outKeys: number[] | null;
}

export class PeerState {
  readonly adjIn: [IndexMap<Path>, IndexMap<Path>] = [new IndexMap(), new IndexMap()];
  readonly adjOut: [IndexMap<AttrSet>, IndexMap<AttrSet>] = [new IndexMap(), new IndexMap()];
  established = false;
  readonly fullSync = [false, false];
  /** A full pass in progress (collect() with a limit resumes it). */
  readonly scan: [FullScan | null, FullScan | null] = [null, null];
  readonly eorPending = [false, false];
  readonly staleCount = [0, 0];
  readonly exportCache: [Map<number | string, AttrSet>, Map<number | string, AttrSet>] = [new Map(), new Map()];
  importChain: CompiledChain | null = null;
  exportChain: CompiledChain | null = null;
  constructor(readonly peer: Peer) {}
}
