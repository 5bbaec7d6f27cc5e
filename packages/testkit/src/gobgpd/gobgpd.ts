import { readFileSync, writeFileSync } from 'node:fs';
import { CommandError, GobgpdError, WaitTimeoutError } from '../errors.js';
import type { Netns } from '../netns.js';
import type { ManagedProcess } from '../process.js';
import { waitFor } from '../wait.js';
import { renderGobgpdToml, type GobgpdConfig } from './config.js';
import { parseNeighbors, parseRib, type BgpState, type GobgpNeighbor, type GobgpRoute } from './parse.js';

/** Each namespace has its own loopback, so the default gRPC port never collides between namespaces. */
export const DEFAULT_API_PORT = 50051;
/** gobgpd answers its API well under a second after start on this machine; allow for a loaded CI box. */
const API_READY_TIMEOUT_MS = 15_000;
const API_POLL_MS = 50;
const LOG_TAIL_LINES = 30;
const CLI_TIMEOUT_MS = 15_000;
/** gobgpd's first connect attempt comes up to several seconds after start; allow for a retry or two. */
const SESSION_TIMEOUT_MS = 30_000;

export type RibFamily = 'ipv4' | 'ipv6';

/** Attributes of a route originated with {@link Gobgpd.addRoute}. */
export interface AddRouteOptions {
  nextHop?: string;
  /** `"65000:100"` or well-known names gobgp understands (`no-export`, ...). */
  communities?: string[];
  med?: number;
  localPref?: number;
  /** AS numbers prepended to the path, as gobgp's `aspath` argument. */
  asPath?: number[];
  origin?: 'igp' | 'egp' | 'incomplete';
}

export interface StartGobgpdOptions {
  /** gRPC API port on the namespace's loopback; default {@link DEFAULT_API_PORT}. */
  apiPort?: number;
}

/** A running gobgpd inside a namespace, with typed access to its CLI. */
export interface Gobgpd {
  readonly ns: Netns;
  readonly process: ManagedProcess;
  /** Path of the generated TOML config. */
  readonly configFile: string;
  /** Runs `gobgp <args>` against this gobgpd inside its namespace; returns stdout, throws with the log tail. */
  cli(...args: string[]): Promise<string>;
  /** All neighbors, parsed from `gobgp neighbor -j`, with the state normalised ("established", "active", ...). */
  neighbors(): Promise<GobgpNeighbor[]>;
  /** The state of one neighbor, or undefined when gobgpd has no such neighbor. */
  neighborState(address: string): Promise<BgpState | undefined>;
  /** The global RIB (Loc-RIB), every path of every prefix. */
  rib(family?: RibFamily): Promise<GobgpRoute[]>;
  /** The Adj-RIB-In of one neighbor. */
  adjIn(neighbor: string, family?: RibFamily): Promise<GobgpRoute[]>;
  /**
   * Waits until the session with `address` reaches `state` (default `established`); throws naming the last state.
   * Wait on state rather than sleeping: after a session drops gobgpd stays Idle for a few seconds and refuses
   * connections, so how long it takes varies.
   */
  waitForState(address: string, state?: BgpState, timeoutMs?: number): Promise<void>;
  /** Waits until `prefix` is in the global RIB (and satisfies `accept`, if given), and returns its best path. */
  waitForRoute(prefix: string, opts?: { family?: RibFamily; accept?: (route: GobgpRoute) => boolean; timeoutMs?: number }): Promise<GobgpRoute>;
  /** Originates a route (`gobgp global rib add`). The family follows from the prefix. */
  addRoute(prefix: string, opts?: AddRouteOptions): Promise<void>;
  /** Withdraws a route originated with {@link addRoute}. */
  delRoute(prefix: string): Promise<void>;
  /**
   * Stops gobgpd. SIGTERM (the default) makes it send a Cease NOTIFICATION to its peers first; SIGKILL looks like a
   * crash to them, which is what graceful-restart tests want.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Everything gobgpd has logged so far. */
  log(): string;
}

function familyOfPrefix(prefix: string): RibFamily {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

class RunningGobgpd implements Gobgpd {
  constructor(
    readonly ns: Netns,
    readonly process: ManagedProcess,
    readonly configFile: string,
    private readonly logFile: string,
    private readonly apiPort: number,
  ) {}

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return this.process.output();
    }
  }

  /** The last lines of the log, for error messages. */
  logTail(): string {
    const lines = this.log().trimEnd().split('\n');
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  }

  async cli(...args: string[]): Promise<string> {
    try {
      const r = await this.ns.exec('gobgp', ['-u', '127.0.0.1', '-p', String(this.apiPort), ...args], { timeoutMs: CLI_TIMEOUT_MS });
      return r.stdout;
    } catch (err) {
      const detail = err instanceof CommandError ? err.message : String(err);
      throw new GobgpdError(`gobgp ${args.join(' ')} in ${this.ns.name}: ${detail}\n--- gobgpd log tail ---\n${this.logTail()}`);
    }
  }

  async neighbors(): Promise<GobgpNeighbor[]> {
    return parseNeighbors(await this.cli('neighbor', '-j'));
  }

  async neighborState(address: string): Promise<BgpState | undefined> {
    return (await this.neighbors()).find((n) => sameAddress(n.address, address))?.state;
  }

  async rib(family: RibFamily = 'ipv4'): Promise<GobgpRoute[]> {
    return parseRib(await this.cli('global', 'rib', '-a', family, '-j'));
  }

  async adjIn(neighbor: string, family: RibFamily = 'ipv4'): Promise<GobgpRoute[]> {
    return parseRib(await this.cli('neighbor', neighbor, 'adj-in', '-a', family, '-j'));
  }

  async waitForState(address: string, state: BgpState = 'established', timeoutMs = SESSION_TIMEOUT_MS): Promise<void> {
    let last: BgpState | undefined;
    const what = `${this.ns.label}: session with ${address} ${state}`;
    try {
      await waitFor(
        async () => {
          last = await this.neighborState(address);
          return last === state;
        },
        { what, timeoutMs },
      );
    } catch (err) {
      const why = err instanceof WaitTimeoutError ? `timed out after ${timeoutMs} ms waiting for ${what}` : String(err);
      throw new GobgpdError(`${why}; its state was ${last ?? 'unknown (no such neighbor)'}\n--- gobgpd log tail ---\n${this.logTail()}`);
    }
  }

  async waitForRoute(
    prefix: string,
    opts: { family?: RibFamily; accept?: (route: GobgpRoute) => boolean; timeoutMs?: number } = {},
  ): Promise<GobgpRoute> {
    const family = opts.family ?? familyOfPrefix(prefix);
    const accept = opts.accept ?? (() => true);
    return waitFor(
      async () => {
        const paths = (await this.rib(family)).filter((r) => r.prefix === prefix && accept(r));
        return paths.find((r) => r.best) ?? paths[0];
      },
      { what: `${prefix} in ${this.ns.label}'s ${family} RIB`, timeoutMs: opts.timeoutMs ?? SESSION_TIMEOUT_MS },
    );
  }

  async addRoute(prefix: string, opts: AddRouteOptions = {}): Promise<void> {
    const args = ['global', 'rib', 'add', prefix, '-a', familyOfPrefix(prefix)];
    if (opts.origin) args.push('origin', opts.origin);
    if (opts.nextHop) args.push('nexthop', opts.nextHop);
    if (opts.asPath?.length) args.push('aspath', opts.asPath.join(','));
    if (opts.communities?.length) args.push('community', opts.communities.join(','));
    if (opts.med !== undefined) args.push('med', String(opts.med));
    if (opts.localPref !== undefined) args.push('local-pref', String(opts.localPref));
    await this.cli(...args);
  }

  async delRoute(prefix: string): Promise<void> {
    await this.cli('global', 'rib', 'del', prefix, '-a', familyOfPrefix(prefix));
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.process.stop(signal);
  }
}

/**
 * Writes a TOML config for `config`, starts `gobgpd -f FILE -p --api-hosts 127.0.0.1:<apiPort> --pprof-disable`
 * inside `ns` (logging to a file in the lab directory), and resolves once its gRPC API answers. The Lab stops it on
 * cleanup. If gobgpd exits or never answers, throws a {@link GobgpdError} with the tail of its log.
 */
export async function startGobgpd(ns: Netns, config: GobgpdConfig, opts: StartGobgpdOptions = {}): Promise<Gobgpd> {
  const apiPort = opts.apiPort ?? DEFAULT_API_PORT;
  const base = ns.file(`gobgpd-${ns.label}-${apiPort}`);
  const configFile = `${base}.toml`;
  const logFile = `${base}.log`;
  writeFileSync(configFile, renderGobgpdToml(config));
  const proc = ns.spawn(
    'gobgpd',
    ['-f', configFile, '-p', '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable'],
    { logFile },
  );
  const gobgpd = new RunningGobgpd(ns, proc, configFile, logFile, apiPort);
  let ready = false;
  // Race readiness against an early exit, so a bad config fails at once rather than after the timeout.
  // Promise.race subscribes to `died`, so its rejection is never unhandled.
  const died = proc.exited.then((code) => {
    if (!ready) throw new GobgpdError(`gobgpd exited (code ${code})`);
  });
  const stopPolling = new AbortController();
  const answered = waitFor(
    async () => {
      const r = await ns.exec('gobgp', ['-u', '127.0.0.1', '-p', String(apiPort), 'global'], { allowFail: true, timeoutMs: CLI_TIMEOUT_MS });
      return r.code === 0;
    },
    { what: `gobgpd API on 127.0.0.1:${apiPort} in ${ns.name}`, timeoutMs: API_READY_TIMEOUT_MS, intervalMs: API_POLL_MS, signal: stopPolling.signal },
  );
  try {
    await Promise.race([answered, died]);
    ready = true;
  } catch (err) {
    stopPolling.abort();
    await proc.stop('SIGKILL');
    const why = err instanceof Error ? err.message : String(err);
    throw new GobgpdError(`gobgpd in ${ns.name} did not start: ${why}\n--- gobgpd log tail ---\n${gobgpd.logTail()}\n--- config ${configFile} ---\n${readFileSync(configFile, 'utf8')}`);
  }
  return gobgpd;
}
