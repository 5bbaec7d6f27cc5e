// The policy engine: compiles a PolicyConfig once, then evaluates routes through a per-peer, per-direction chain
// (the peer's own policies, then the global ones, then the default action).
// Semantics follow GoBGP: within a chain, statements run in order; a statement whose conditions all hold applies
// its modifications, and if it has a route action that decides; otherwise evaluation continues with the modified
// route. Conditions see the route as modified so far.
// Speed: prefix and neighbour conditions are hash lookups; attribute conditions are cached per interned attribute
// set; modifications are cached per (attribute set, statement), so a million prefixes sharing few attribute sets
// cost one Map lookup each, not one attribute rebuild each.
import type { AttrSet, AttrTable, RouteAttributes } from '../rib/attrs.js';
import { asPathContains, asPathLength, originAs, prependAs, neighborAs } from '../rib/as-path.js';
import { RibError } from '../rib/errors.js';
import type { Peer } from '../rib/path.js';
import type { PrefixKey } from '../rib/prefix.js';
import type { Family, LargeCommunity } from '../wire/types.js';
import { asPathText, compileAsPathRegex } from './as-path-set.js';
import {
  formatCommunity,
  formatLargeCommunity,
  isPattern,
  largeCommunityEquals,
  parseCommunity,
  parseLargeCommunity,
} from './community.js';
import { CompiledNeighborSet } from './neighbor-set.js';
import { CompiledPrefixSet } from './prefix-set.js';
import type { Actions, Assignment, Conditions, Direction, MatchOption, PolicyConfig, RouteAction, Statement } from './types.js';

/** Bits of CompiledChain.modified: which attributes the last evaluation set by policy. */
export const Modified = { NEXT_HOP: 1, MED: 2, LOCAL_PREF: 4 } as const;

const ROUTE_NONE = 0;
const ROUTE_ACCEPT = 1;
const ROUTE_REJECT = 2;
/** Statements per chain: the modification cache key packs the statement index below this. */
const MAX_CHAIN_STATEMENTS = 1024;
/** Caches are dropped wholesale past this many entries (a churn of attribute sets must not grow them forever). */
const MAX_CACHE_ENTRIES = 1 << 18;

type AttrPredicate = (a: AttrSet) => boolean;

/** Matches community values (literal or regular expression over "a:b"). */
class ValueMatcher<T> {
  constructor(
    private readonly literal: (v: T) => boolean,
    private readonly patterns: readonly RegExp[],
    private readonly format: (v: T) => string,
    readonly size: number,
  ) {}
  /** Does one set entry match value v? */
  hits(v: T): boolean {
    if (this.literal(v)) return true;
    if (this.patterns.length === 0) return false;
    const s = this.format(v);
    return this.patterns.some((p) => p.test(s));
  }
}

function communityMatcher(entries: readonly string[]): { m: ValueMatcher<number>; literals: number[]; patterns: RegExp[] } {
  const literals: number[] = [];
  const patterns: RegExp[] = [];
  for (const e of entries) {
    if (isPattern(e)) patterns.push(new RegExp(e));
    else literals.push(parseCommunity(e));
  }
  const set = new Set(literals);
  return { m: new ValueMatcher<number>((v) => set.has(v), patterns, formatCommunity, entries.length), literals, patterns };
}

function largeMatcher(entries: readonly string[]): { m: ValueMatcher<LargeCommunity>; literals: LargeCommunity[]; patterns: RegExp[] } {
  const literals: LargeCommunity[] = [];
  const patterns: RegExp[] = [];
  for (const e of entries) {
    if (isPattern(e)) patterns.push(new RegExp(e));
    else literals.push(parseLargeCommunity(e));
  }
  const keys = new Set(literals.map(formatLargeCommunity));
  return {
    m: new ValueMatcher<LargeCommunity>((v) => keys.has(formatLargeCommunity(v)), patterns, formatLargeCommunity, entries.length),
    literals,
    patterns,
  };
}

/**
 * any: some value of the route matches some entry; all: every entry matches some value of the route;
 * invert: no value matches.
 */
function setMatch<T>(values: readonly T[] | undefined, entries: { literals: readonly T[]; patterns: readonly RegExp[] }, m: ValueMatcher<T>, opt: MatchOption, format: (v: T) => string, eq: (a: T, b: T) => boolean): boolean {
  const vs = values ?? [];
  if (opt === 'all') {
    if (m.size === 0) return false;
    return (
      entries.literals.every((l) => vs.some((v) => eq(v, l))) && entries.patterns.every((p) => vs.some((v) => p.test(format(v))))
    );
  }
  const any = vs.some((v) => m.hits(v));
  return opt === 'invert' ? !any : any;
}

interface Sets {
  prefix: Map<string, CompiledPrefixSet>;
  neighbor: Map<string, CompiledNeighborSet>;
  community: Map<string, ReturnType<typeof communityMatcher>>;
  large: Map<string, ReturnType<typeof largeMatcher>>;
  asPath: Map<string, RegExp[]>;
}

function lookup<T>(map: Map<string, T>, kind: string, name: string, where: string): T {
  const v = map.get(name);
  if (v === undefined) throw new RibError(`${where}: unknown ${kind} set ${JSON.stringify(name)}`);
  return v;
}

/** One statement, compiled. Instances are shared by every chain that includes its policy. */
export class CompiledStatement {
  readonly route: number;
  readonly prefixSet: CompiledPrefixSet | null = null;
  readonly prefixInvert: boolean = false;
  readonly neighborSet: CompiledNeighborSet | null = null;
  readonly neighborInvert: boolean = false;
  readonly family: Family | undefined;
  readonly attrPredicate: AttrPredicate | null;
  private readonly attrCache = new Map<number, boolean>();
  readonly modifies: boolean;
  readonly modifiedBits: number;

  constructor(
    readonly policy: string,
    readonly statement: Statement,
    sets: Sets,
  ) {
    const where = `policy ${policy} statement ${statement.name}`;
    const c: Conditions = statement.conditions ?? {};
    const a: Actions = statement.actions ?? {};
    this.route = a.route === 'accept' ? ROUTE_ACCEPT : a.route === 'reject' ? ROUTE_REJECT : ROUTE_NONE;
    if (c.prefixSet) {
      this.prefixSet = lookup(sets.prefix, 'prefix', c.prefixSet.name, where);
      this.prefixInvert = c.prefixSet.match === 'invert';
    }
    if (c.neighborSet) {
      this.neighborSet = lookup(sets.neighbor, 'neighbor', c.neighborSet.name, where);
      this.neighborInvert = c.neighborSet.match === 'invert';
    }
    this.family = c.family;
    const preds: AttrPredicate[] = [];
    if (c.communitySet) {
      const s = lookup(sets.community, 'community', c.communitySet.name, where);
      const opt = c.communitySet.match ?? 'any';
      preds.push((x) => setMatch(x.attrs.communities, s, s.m, opt, formatCommunity, (p, q) => p === q));
    }
    if (c.largeCommunitySet) {
      const s = lookup(sets.large, 'large community', c.largeCommunitySet.name, where);
      const opt = c.largeCommunitySet.match ?? 'any';
      preds.push((x) => setMatch(x.attrs.largeCommunities, s, s.m, opt, formatLargeCommunity, largeCommunityEquals));
    }
    if (c.asPathSet) {
      const res = lookup(sets.asPath, 'as-path', c.asPathSet.name, where);
      const opt = c.asPathSet.match ?? 'any';
      preds.push((x) => {
        const text = asPathText(x.attrs.asPath);
        if (opt === 'all') return res.length > 0 && res.every((r) => r.test(text));
        const any = res.some((r) => r.test(text));
        return opt === 'invert' ? !any : any;
      });
    }
    if (c.asPathLength) {
      const { operator, value } = c.asPathLength;
      preds.push((x) => {
        const n = asPathLength(x.attrs.asPath);
        return operator === 'eq' ? n === value : operator === 'ge' ? n >= value : n <= value;
      });
    }
    if (c.asPathContains !== undefined) {
      const asn = c.asPathContains;
      preds.push((x) => asPathContains(x.attrs.asPath, asn));
    }
    if (c.originAs !== undefined) {
      const asn = c.originAs;
      preds.push((x) => originAs(x.attrs.asPath) === asn);
    }
    this.attrPredicate = preds.length === 0 ? null : preds.length === 1 ? preds[0]! : (x) => preds.every((p) => p(x));
    this.modifiedBits =
      (a.nextHop !== undefined ? Modified.NEXT_HOP : 0) |
      (a.med !== undefined ? Modified.MED : 0) |
      (a.localPref !== undefined ? Modified.LOCAL_PREF : 0);
    this.modifies =
      a.community !== undefined ||
      a.largeCommunity !== undefined ||
      a.asPrepend !== undefined ||
      a.nextHop !== undefined ||
      a.localPref !== undefined ||
      a.med !== undefined;
    // Validate action values now, not on the first matching route.
    if (a.community) communityMatcher(a.community.communities);
    if (a.largeCommunity) largeMatcher(a.largeCommunity.communities);
  }

  matches(family: Family, key: PrefixKey, attrs: AttrSet, neighbor: string): boolean {
    if (this.family !== undefined && this.family !== family) return false;
    if (this.prefixSet !== null && this.prefixSet.matches(key) === this.prefixInvert) return false;
    if (this.neighborSet !== null && this.neighborSet.matches(neighbor) === this.neighborInvert) return false;
    if (this.attrPredicate !== null) {
      let r = this.attrCache.get(attrs.id);
      if (r === undefined) {
        if (this.attrCache.size > MAX_CACHE_ENTRIES) this.attrCache.clear();
        r = this.attrPredicate(attrs);
        this.attrCache.set(attrs.id, r);
      }
      if (!r) return false;
    }
    return true;
  }

  /** The attributes after this statement's modifications. */
  apply(table: AttrTable, base: AttrSet, nextHopSelf: string | undefined): AttrSet {
    const a = this.statement.actions ?? {};
    const src = base.attrs;
    const patch: { -readonly [K in keyof RouteAttributes]?: RouteAttributes[K] } = {};
    if (a.community) {
      const values = a.community.communities.filter((e) => !isPattern(e)).map(parseCommunity);
      const cur = src.communities ?? [];
      let next: number[];
      if (a.community.operation === 'replace') next = [...new Set(values)];
      else if (a.community.operation === 'add') next = [...new Set([...cur, ...values])];
      else {
        const m = communityMatcher(a.community.communities).m;
        next = cur.filter((v) => !m.hits(v));
      }
      patch.communities = next.length > 0 ? next : undefined;
    }
    if (a.largeCommunity) {
      const values = a.largeCommunity.communities.filter((e) => !isPattern(e)).map(parseLargeCommunity);
      const cur = src.largeCommunities ?? [];
      let next: LargeCommunity[];
      const union = (xs: readonly LargeCommunity[]): LargeCommunity[] =>
        xs.filter((x, i) => xs.findIndex((y) => largeCommunityEquals(x, y)) === i);
      if (a.largeCommunity.operation === 'replace') next = union(values);
      else if (a.largeCommunity.operation === 'add') next = union([...cur, ...values]);
      else {
        const m = largeMatcher(a.largeCommunity.communities).m;
        next = cur.filter((v) => !m.hits(v));
      }
      patch.largeCommunities = next.length > 0 ? next : undefined;
    }
    if (a.asPrepend && a.asPrepend.repeat > 0) {
      const asn = a.asPrepend.asn === 'last-as' ? neighborAs(src.asPath) : a.asPrepend.asn;
      if (asn !== 0) patch.asPath = prependAs(src.asPath, asn, a.asPrepend.repeat);
    }
    if (a.nextHop !== undefined) {
      const nh = a.nextHop === 'self' ? nextHopSelf : a.nextHop;
      if (nh !== undefined) patch.nextHop = nh;
    }
    if (a.localPref !== undefined) patch.localPref = a.localPref;
    if (a.med !== undefined) patch.med = a.med;
    return table.derive(base, patch);
  }
}

/** The statements and default action that apply to one peer in one direction. */
export class CompiledChain {
  /** Bits of Modified for the last evaluate() call. */
  modified = 0;
  /** Last statement that decided (null: the default action did), for the looking glass and tests. */
  decidedBy: CompiledStatement | null = null;
  private readonly caches: [Map<number, AttrSet>, Map<number, AttrSet>] = [new Map(), new Map()];
  /** No statements and default accept: every route passes unchanged (the RIB skips evaluate()). */
  readonly passThrough: boolean;

  constructor(
    private readonly table: AttrTable,
    readonly statements: readonly CompiledStatement[],
    readonly defaultAction: RouteAction,
  ) {
    if (statements.length > MAX_CHAIN_STATEMENTS) throw new RibError(`more than ${MAX_CHAIN_STATEMENTS} statements apply to one peer`);
    this.passThrough = statements.length === 0 && defaultAction === 'accept';
  }

  /**
   * Runs the route through the chain: the resulting attribute set, or null when rejected.
   * `neighbor` is the source peer (import) or the target peer (export); `nextHopSelf` resolves next-hop self.
   */
  evaluate(family: Family, key: PrefixKey, attrs: AttrSet, neighbor: string, nextHopSelf?: string): AttrSet | null {
    let cur = attrs;
    let modified = 0;
    let decision = ROUTE_NONE;
    this.decidedBy = null;
    const stmts = this.statements;
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      if (!s.matches(family, key, cur, neighbor)) continue;
      if (s.modifies) {
        const cache = this.caches[family === 'ipv4-unicast' ? 0 : 1];
        const ck = cur.id * MAX_CHAIN_STATEMENTS + i;
        let next = cache.get(ck);
        if (next === undefined) {
          if (cache.size > MAX_CACHE_ENTRIES) cache.clear();
          next = s.apply(this.table, cur, nextHopSelf);
          cache.set(ck, next);
        }
        cur = next;
        modified |= s.modifiedBits;
      }
      if (s.route !== ROUTE_NONE) {
        decision = s.route;
        this.decidedBy = s;
        break;
      }
    }
    this.modified = modified;
    if (decision === ROUTE_NONE) decision = this.defaultAction === 'accept' ? ROUTE_ACCEPT : ROUTE_REJECT;
    return decision === ROUTE_ACCEPT ? cur : null;
  }
}

/** A compiled PolicyConfig. Build a new one to replace policies; the RIB re-evaluates with it. */
export class PolicyEngine {
  private readonly policies = new Map<string, CompiledStatement[]>();
  private readonly sets: Sets;

  constructor(
    private readonly table: AttrTable,
    readonly config: PolicyConfig = {},
  ) {
    const d = config.definedSets ?? {};
    const entries = <T>(r: Readonly<Record<string, T>> | undefined): Array<[string, T]> => Object.entries(r ?? {});
    this.sets = {
      prefix: new Map(entries(d.prefixSets).map(([n, e]) => [n, new CompiledPrefixSet(n, e)])),
      neighbor: new Map(entries(d.neighborSets).map(([n, e]) => [n, new CompiledNeighborSet(n, e)])),
      community: new Map(entries(d.communitySets).map(([n, e]) => [n, communityMatcher(e)])),
      large: new Map(entries(d.largeCommunitySets).map(([n, e]) => [n, largeMatcher(e)])),
      asPath: new Map(entries(d.asPathSets).map(([n, e]) => [n, e.map(compileAsPathRegex)])),
    };
    for (const p of config.policies ?? []) {
      if (this.policies.has(p.name)) throw new RibError(`policy ${JSON.stringify(p.name)} defined twice`);
      this.policies.set(
        p.name,
        p.statements.map((s) => new CompiledStatement(p.name, s, this.sets)),
      );
    }
    for (const dir of ['import', 'export'] as const) for (const n of config[dir]?.policies ?? []) this.statementsOf(n, `global ${dir}`);
  }

  private statementsOf(name: string, where: string): CompiledStatement[] {
    const s = this.policies.get(name);
    if (s === undefined) throw new RibError(`${where}: unknown policy ${JSON.stringify(name)}`);
    return s;
  }

  /**
   * The chain for one peer and direction: the peer's policies, then the global ones. The default action is the
   * peer's override, else the global assignment's, else accept, except that with RFC 8212 on (§2) an eBGP peer
   * with no policy at all in that direction gets reject.
   */
  chain(direction: Direction, peer: Peer): CompiledChain {
    const global: Assignment | undefined = this.config[direction];
    const own = direction === 'import' ? peer.spec.importPolicies : peer.spec.exportPolicies;
    const names = [...(own ?? []), ...(global?.policies ?? [])];
    const statements = names.flatMap((n) => this.statementsOf(n, `peer ${peer.address} ${direction}`));
    const override = direction === 'import' ? peer.spec.importDefault : peer.spec.exportDefault;
    let defaultAction: RouteAction = override ?? global?.defaultAction ?? 'accept';
    if (this.config.rfc8212 === true && override === undefined && !peer.local && !peer.ibgp && names.length === 0) {
      defaultAction = 'reject';
    }
    return new CompiledChain(this.table, statements, defaultAction);
  }

  hasPolicy(name: string): boolean {
    return this.policies.has(name);
  }
}
