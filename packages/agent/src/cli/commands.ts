// `kroute neighbor|rib|routes|tunnels`: read a running agent through its REST API and print tables or JSON.
import type { KernelRouteView, NeighborView, RouteView, StatusView, TunnelView } from '../api/view.js';
import { formatTable, formatUptime } from './table.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:20245';
export const CLI_COMMANDS = ['neighbor', 'rib', 'routes', 'tunnels'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export interface CliArgs {
  readonly command: CliCommand;
  readonly api: string;
  readonly json: boolean;
  readonly family: 'ipv4-unicast' | 'ipv6-unicast';
  readonly positionals: readonly string[];
}

const USAGE_EXIT = 2;
const RUNTIME_EXIT = 1;

export function parseCliArgs(command: CliCommand, argv: readonly string[]): CliArgs {
  let api = process.env['KROUTE_API'] ?? DEFAULT_API_URL;
  let json = false;
  let family: CliArgs['family'] = 'ipv4-unicast';
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new CliError(`${flag}: needs a value`, USAGE_EXIT);
      return v;
    };
    if (flag === '--api') api = value();
    else if (flag === '--json' || flag === '-j') json = true;
    else if (flag === '-a' || flag === '--address-family') {
      const v = value();
      if (v === 'ipv4' || v === 'ipv4-unicast') family = 'ipv4-unicast';
      else if (v === 'ipv6' || v === 'ipv6-unicast') family = 'ipv6-unicast';
      else throw new CliError(`${flag}=${JSON.stringify(v)}: must be ipv4 or ipv6`, USAGE_EXIT);
    } else if (a.startsWith('-')) throw new CliError(`${flag}: unknown flag for "kroute ${command}"`, USAGE_EXIT);
    else positionals.push(a);
  }
  try {
    new URL(api);
  } catch {
    throw new CliError(`--api=${JSON.stringify(api)}: not a URL (e.g. ${DEFAULT_API_URL})`, USAGE_EXIT);
  }
  return { command, api, json, family, positionals };
}

async function getJson<T>(api: string, path: string): Promise<T> {
  const url = new URL(path, api);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach the kroute agent at ${api} (${cause?.code ?? cause?.message ?? (e as Error).message}): is it running, and is --api right?`, RUNTIME_EXIT);
  }
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new CliError(`${res.status} ${body.message ?? res.statusText}`, RUNTIME_EXIT);
  return body;
}

const STATE_SHORT: Record<string, string> = { Established: 'Establ', OpenConfirm: 'OpenConf', OpenSent: 'OpenSent', Active: 'Active', Connect: 'Connect', Idle: 'Idle' };

export function neighborTable(neighbors: readonly NeighborView[]): string {
  return formatTable(
    ['Peer', 'AS', 'Up/Down', 'State', '|#Received', 'Accepted', 'Advertised'],
    neighbors.map((n) => [
      n.address, String(n.asn), n.state === 'Established' ? formatUptime(n.uptimeSeconds) : 'never', STATE_SHORT[n.state] ?? n.state,
      `|${String(n.prefixes.received).padStart(9)}`, String(n.prefixes.accepted), String(n.prefixes.advertised),
    ]),
    new Set([1, 5, 6]),
  );
}

export function neighborDetail(n: NeighborView): string {
  const lines = [
    `BGP neighbor is ${n.address}, remote AS ${n.asn}, ${n.type} link`,
    `  BGP state = ${n.state}, up for ${formatUptime(n.uptimeSeconds)}`,
    `  Local address ${n.localAddress}, remote port ${n.port}`,
    `  Hold time ${n.holdTime}s, keepalive interval ${n.keepaliveInterval}s`,
    `  Families: ${n.families.join(', ') || '-'}`,
    `  Capabilities: ${n.capabilities.join(', ') || '-'}`,
    `  Graceful restart: ${n.gracefulRestart.enabled ? `on${n.gracefulRestart.restartTime !== undefined ? `, restart time ${n.gracefulRestart.restartTime}s` : ''}` : 'off'}`,
    `  Prefixes: received ${n.prefixes.received}, accepted ${n.prefixes.accepted}, advertised ${n.prefixes.advertised}`,
    '  Messages:',
    formatTable(['    ', 'Sent', 'Rcvd'], [...new Set([...Object.keys(n.messages.sent), ...Object.keys(n.messages.received)])].sort()
      .map((k) => [`    ${k}`, String(n.messages.sent[k] ?? 0), String(n.messages.received[k] ?? 0)]), new Set([1, 2])),
    `  Last error: ${n.lastError ?? '-'}`,
  ];
  return lines.join('\n');
}

const ORIGIN_CODE: Record<string, string> = { igp: 'i', egp: 'e', incomplete: '?' };

export function ribTable(routes: readonly RouteView[]): string {
  const rows: string[][] = [];
  for (const r of routes) {
    for (const p of r.paths) {
      const attrs = [`{Origin: ${ORIGIN_CODE[p.origin] ?? p.origin}}`];
      if (p.localPref !== null) attrs.push(`{LocalPref: ${p.localPref}}`);
      if (p.med !== null) attrs.push(`{Med: ${p.med}}`);
      if (p.communities.length) attrs.push(`{Communities: ${p.communities.join(', ')}}`);
      if (p.largeCommunities.length) attrs.push(`{LargeCommunity: ${p.largeCommunities.join(', ')}}`);
      rows.push([`${p.best ? '*>' : '* '}${p.stale ? 'S' : ' '}`, r.prefix, p.nextHop, p.asPath.join(' ') || '-', formatUptime(p.ageSeconds), `[${attrs.join(' ')}]`]);
    }
  }
  return formatTable(['   ', 'Network', 'Next Hop', 'AS_PATH', 'Age', 'Attrs'], rows);
}

export function kernelRouteTable(routes: readonly KernelRouteView[]): string {
  return formatTable(['Prefix', 'Kind', 'Via', 'Table', 'Proto'], routes.map((r) => [
    r.prefix, r.kind, r.nextHops.map((h) => [h.gateway, h.device ? `dev ${h.device}` : undefined].filter(Boolean).join(' ')).join(', ') || '-', String(r.table), String(r.protocol),
  ]));
}

export function tunnelTable(tunnels: readonly TunnelView[]): string {
  return formatTable(['Name', 'Type', 'Local', 'Remote', 'Next hop', 'MTU'], tunnels.map((t) => [
    t.name, t.encapPort ? `${t.type}:${t.encapPort}` : t.type, t.local, t.remote, t.nextHop, t.mtu === undefined ? '-' : String(t.mtu),
  ]));
}

/** Runs one CLI command and returns the text to print. */
export async function runCli(args: CliArgs): Promise<string> {
  const out = (data: unknown, text: () => string) => (args.json ? JSON.stringify(data, null, 2) : text());
  switch (args.command) {
    case 'neighbor': {
      const addr = args.positionals[0];
      if (addr) {
        const n = await getJson<NeighborView>(args.api, `/api/v1/neighbors/${encodeURIComponent(addr)}`);
        return out(n, () => neighborDetail(n));
      }
      const { neighbors } = await getJson<{ neighbors: NeighborView[] }>(args.api, '/api/v1/neighbors');
      return out(neighbors, () => neighborTable(neighbors));
    }
    case 'rib': {
      const prefix = args.positionals[0];
      const routes: RouteView[] = [];
      let after: string | undefined;
      // Follow the pages: the CLI shows the whole table, the API never builds it in one piece.
      for (;;) {
        const q = new URLSearchParams({ family: args.family, limit: '10000' });
        if (prefix) q.set('prefix', prefix);
        if (after) q.set('after', after);
        const page = await getJson<{ routes: RouteView[]; next?: string }>(args.api, `/api/v1/rib?${q}`);
        routes.push(...page.routes);
        if (!page.next) break;
        after = page.next;
      }
      return out({ family: args.family, routes }, () => ribTable(routes));
    }
    case 'routes': {
      const { routes } = await getJson<{ routes: KernelRouteView[] }>(args.api, '/api/v1/kernel/routes');
      return out(routes, () => kernelRouteTable(routes));
    }
    case 'tunnels': {
      const { tunnels } = await getJson<{ tunnels: TunnelView[] }>(args.api, '/api/v1/tunnels');
      return out(tunnels, () => tunnelTable(tunnels));
    }
  }
}

export type { StatusView };
