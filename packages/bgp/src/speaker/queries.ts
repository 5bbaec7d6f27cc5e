// Plain-data views for the REST API: neighbors and paged, lazily built route lists. Never on the hot path.
import type { ErrorRecord } from '../session/session.js';
import type { PrefixKey } from '../rib/prefix.js';
import { parsePrefix } from '../rib/prefix.js';
import type { RouteJson } from '../rib/serialize.js';
import type { RibQuery } from './types.js';

const TWO_POW_32 = 0x1_0000_0000;

/** Address order, then prefix length (10.0.0.0/8 before 10.0.0.0/24 before 10.0.1.0/24). */
export function compareKeys(a: PrefixKey, b: PrefixKey): number {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = (a % TWO_POW_32) - (b % TWO_POW_32);
    return d !== 0 ? d : a - b;
  }
  const x = a as string;
  const y = b as string;
  const ax = x.slice(1);
  const by = y.slice(1);
  if (ax !== by) return ax < by ? -1 : 1;
  return x.charCodeAt(0) - y.charCodeAt(0);
}

/** Sorts the keys and yields routes (built by `build`) after `query.after`, up to `query.limit`. */
export function* pageRoutes(keys: PrefixKey[], query: RibQuery, build: (key: PrefixKey) => RouteJson | undefined): IterableIterator<RouteJson> {
  keys.sort(compareKeys);
  let start = 0;
  if (query.after !== undefined) {
    const after = parsePrefix(query.after);
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid]!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = start; i < keys.length && n < limit; i++) {
    const r = build(keys[i]!);
    if (r === undefined) continue;
    n++;
    yield r;
  }
}

/** The most recent of the session's last errors, as one line. */
export function lastErrorText(e: { readonly sent?: ErrorRecord; readonly received?: ErrorRecord; readonly transport?: string }): string | null {
  const fmt = (dir: string, r: ErrorRecord): string =>
    `${dir} NOTIFICATION ${r.code}/${r.subcode} (${r.description})${r.communication !== undefined ? `: ${r.communication}` : ''}`;
  const { sent, received } = e;
  if (sent && received) return sent.at >= received.at ? fmt('sent', sent) : fmt('received', received);
  if (sent) return fmt('sent', sent);
  if (received) return fmt('received', received);
  return e.transport ?? null;
}
