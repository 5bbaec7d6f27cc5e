// Plain data for the REST API (DESIGN.md route shape), built only when someone asks: never on the hot path.
import { Origin } from '../wire/constants.js';
import { formatCommunity, formatLargeCommunity } from '../policy/community.js';
import { asPathAsns } from './as-path.js';
import type { AttrSet } from './attrs.js';
import type { Path } from './path.js';
import { formatPrefix, type PrefixKey } from './prefix.js';

export interface RoutePathJson {
  best: boolean;
  nextHop: string | null;
  asPath: number[];
  origin: 'igp' | 'egp' | 'incomplete';
  localPref: number | null;
  med: number | null;
  communities: string[];
  largeCommunities: string[];
  peer: string;
  stale: boolean;
  ageSeconds: number;
}

export interface RouteJson {
  prefix: string;
  paths: RoutePathJson[];
}

const ORIGIN_NAMES = { [Origin.IGP]: 'igp', [Origin.EGP]: 'egp', [Origin.INCOMPLETE]: 'incomplete' } as const;

export function attrsJson(a: AttrSet): Omit<RoutePathJson, 'best' | 'peer' | 'stale' | 'ageSeconds'> {
  const x = a.attrs;
  return {
    nextHop: x.nextHop ?? null,
    asPath: asPathAsns(x.asPath),
    origin: ORIGIN_NAMES[(x.origin ?? Origin.INCOMPLETE) as keyof typeof ORIGIN_NAMES],
    localPref: x.localPref ?? null,
    med: x.med ?? null,
    communities: (x.communities ?? []).map(formatCommunity),
    largeCommunities: (x.largeCommunities ?? []).map(formatLargeCommunity),
  };
}

export function pathJson(p: Path, best: boolean, nowSeconds: number, prePolicy = false): RoutePathJson {
  const a = prePolicy || p.attrs === null ? p.pre : p.attrs;
  return { best, ...attrsJson(a), peer: p.peer.address, stale: p.stale, ageSeconds: Math.max(0, nowSeconds - p.since) };
}

export function routeJson(key: PrefixKey, candidates: readonly Path[], nowSeconds: number): RouteJson {
  return { prefix: formatPrefix(key), paths: candidates.map((p, i) => pathJson(p, i === 0, nowSeconds)) };
}
