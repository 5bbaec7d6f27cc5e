// The namespace lab's external router: one gobgpd (Debian package, 3.x) in its own namespace, peering eBGP with
// TCP-MD5 (RFC 2385) with every node. The lab writes its TOML, runs it, and reads its RIB through the `gobgp` CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { LabCommandError, runCommand } from './host-command.js';

export interface RouterNeighbor {
  address: string;
  asn: number;
}

export interface RouterConfig {
  asn: number;
  routerId: string;
  /** TCP-MD5 key for every neighbor (plain text; kroute's flag takes it in base64). */
  password: string;
  /** The port the nodes listen on (gobgpd connects there too). */
  nodePort: number;
  neighbors: readonly RouterNeighbor[];
}

/** gobgpd's gRPC API inside its namespace (each namespace has its own loopback). */
const API_PORT = 50051;
const API_READY_TIMEOUT_MS = 15_000;
const API_POLL_MS = 100;
/** gobgpd's floor for connect-retry (it treats less as 5 s). */
const CONNECT_RETRY_S = 5;
const LOG_TAIL_LINES = 20;

export function renderRouterToml(c: RouterConfig): string {
  const s = (v: string) => JSON.stringify(v);
  const lines = ['[global.config]', `  as = ${c.asn}`, `  router-id = ${s(c.routerId)}`, '  port = 179', `  local-address-list = [${s(c.routerId)}]`];
  for (const n of c.neighbors) {
    lines.push(
      '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${s(n.address)}`, `    peer-as = ${n.asn}`, `    auth-password = ${s(c.password)}`,
      '  [neighbors.timers.config]', `    connect-retry = ${CONNECT_RETRY_S}`,
      '  [neighbors.transport.config]', `    local-address = ${s(c.routerId)}`, `    remote-port = ${c.nodePort}`,
      '  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', '      afi-safi-name = "ipv4-unicast"',
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface RouterRoute {
  prefix: string;
  nextHop: string;
  asPath: string;
}

export class GobgpdRouter {
  private child: ChildProcess | undefined;
  private exitedCode: number | null | undefined;

  constructor(readonly netns: string, readonly configFile: string, readonly logFile: string) {}

  async start(config: RouterConfig): Promise<void> {
    writeFileSync(this.configFile, renderRouterToml(config));
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn('ip', ['netns', 'exec', this.netns, 'gobgpd', '-f', this.configFile, '-p', '--api-hosts', `127.0.0.1:${API_PORT}`, '--pprof-disable'], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    this.child.on('exit', (code) => { this.exitedCode = code; });
    const end = Date.now() + API_READY_TIMEOUT_MS;
    for (;;) {
      if (this.exitedCode !== undefined) throw new LabCommandError('gobgpd', this.exitedCode, this.logTail());
      const r = await runCommand('ip', ['netns', 'exec', this.netns, 'gobgp', '-u', '127.0.0.1', '-p', String(API_PORT), 'global'], { allowFail: true });
      if (r.code === 0) return;
      if (Date.now() > end) throw new LabCommandError('gobgpd (API never answered)', null, this.logTail());
      await new Promise((r2) => setTimeout(r2, API_POLL_MS));
    }
  }

  cli(...args: string[]): Promise<string> {
    return runCommand('ip', ['netns', 'exec', this.netns, 'gobgp', '-u', '127.0.0.1', '-p', String(API_PORT), ...args]).then((r) => r.stdout);
  }

  /** Neighbors in state Established. */
  async established(): Promise<number> {
    const out = JSON.parse(await this.cli('neighbor', '-j')) as Array<{ state?: { session_state?: number | string } }>;
    // gobgp's JSON: session_state 6 (or "established") is Established.
    return out.filter((n) => n.state?.session_state === 6 || String(n.state?.session_state).toLowerCase().includes('established')).length;
  }

  /** The global IPv4 RIB (best paths) as gobgp prints it, and parsed. */
  async rib(): Promise<{ text: string; routes: RouterRoute[] }> {
    const text = await this.cli('global', 'rib', '-a', 'ipv4');
    const routes: RouterRoute[] = [];
    for (const line of text.split('\n')) {
      const m = /^\*>?\s+(\S+)\s+(\S+)\s+([\d ]*?)\s+\d\d:\d\d:\d\d/.exec(line);
      if (m) routes.push({ prefix: m[1]!, nextHop: m[2]!, asPath: m[3]!.trim() });
    }
    return { text, routes };
  }

  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    } catch {
      return '';
    }
  }

  stop(): void {
    if (this.child && this.exitedCode === undefined) this.child.kill('SIGKILL');
  }
}
