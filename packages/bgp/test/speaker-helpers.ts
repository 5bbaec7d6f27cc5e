// Shared scaffolding of the speaker tests: waits on the speaker's plain-data views and a best-path event log.
import { waitFor, type Gobgpd, type GobgpRoute, type RibFamily } from '@kroute/testkit';
import type { BgpSpeaker, BestPathChange, RouteJson } from '../src/speaker/index.js';
import type { Family } from '../src/wire/types.js';

/** Short retry so sessions reconnect quickly after resets in tests. */
export const FAST_RETRY = { initialMs: 500, maxMs: 2000 } as const;

export function route(speaker: BgpSpeaker, prefix: string, family?: Family): RouteJson | undefined {
  const fam = family ?? (prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast');
  return [...speaker.locRib(fam, { prefix })][0];
}

export async function waitForRoute(
  speaker: BgpSpeaker,
  prefix: string,
  accept: (r: RouteJson) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<RouteJson> {
  return waitFor(
    () => {
      const r = route(speaker, prefix);
      return r !== undefined && accept(r) ? r : undefined;
    },
    { what: `${prefix} in kroute's Loc-RIB`, timeoutMs, intervalMs: 50 },
  );
}

export async function waitForNoRoute(speaker: BgpSpeaker, prefix: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => route(speaker, prefix) === undefined || undefined, { what: `${prefix} gone from kroute's Loc-RIB`, timeoutMs, intervalMs: 50 });
}

export async function waitForEstablished(speaker: BgpSpeaker, address: string, timeoutMs = 60_000): Promise<void> {
  try {
    await waitFor(() => speaker.neighbor(address)?.state === 'Established' || undefined, { what: `kroute's session with ${address} Established`, timeoutMs });
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${JSON.stringify(speaker.neighbor(address))}`);
  }
}

export function ribFamily(prefix: string): RibFamily {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** The best path for `prefix` in gobgpd's RIB, or undefined. */
export async function gobgpRoute(gobgpd: Gobgpd, prefix: string): Promise<GobgpRoute | undefined> {
  const rib = await gobgpd.rib(ribFamily(prefix));
  return rib.find((r) => r.prefix === prefix && r.best) ?? rib.find((r) => r.prefix === prefix);
}

export async function waitForGobgpNoRoute(gobgpd: Gobgpd, prefix: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await gobgpRoute(gobgpd, prefix)) === undefined || undefined, {
    what: `${prefix} gone from ${gobgpd.ns.label}'s RIB`,
    timeoutMs,
  });
}

/** Records every bestPathChanged batch. */
export class BestPathLog {
  readonly batches: (readonly BestPathChange[])[] = [];
  constructor(speaker: BgpSpeaker) {
    speaker.on('bestPathChanged', (changes) => this.batches.push(changes));
  }
  all(prefix: string): BestPathChange[] {
    return this.batches.flat().filter((c) => c.prefix === prefix);
  }
  last(prefix: string): BestPathChange | undefined {
    return this.all(prefix).at(-1);
  }
}
