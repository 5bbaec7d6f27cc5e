// Test scaffolding for the transport tests: network namespaces with veth links, processes inside them, kernel
// counters. Everything is created with a per-run unique prefix and removed by cleanup(), also after failures.
// (Kept local to the transport tests; @kroute/testkit's Lab can replace it once that API settles.)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let labCounter = 0;
/** Namespaces still alive, removed synchronously if the process exits before cleanup() ran. */
const liveNamespaces = new Set<string>();
process.once('exit', () => {
  for (const ns of liveNamespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

/** Fails (never skips) when the tests cannot run here. */
export function requireNetnsPrivileges(): void {
  if (process.getuid?.() !== 0) throw new Error('transport tests need root (network namespaces, TCP-MD5)');
  for (const tool of ['/usr/bin/ip', '/usr/bin/nstat', '/usr/bin/ss']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/bin', '/usr/sbin')) && !existsSync(tool.replace('/usr', ''))) {
      throw new Error(`transport tests need ${tool} (apt-get install iproute2; see scripts/setup-machine.sh)`);
    }
  }
}

export interface LinkEnd {
  ns: string;
  ifname?: string;
  addresses: string[];
}

export class NetnsLab {
  readonly prefix: string;
  readonly dir: string;
  readonly #namespaces: string[] = [];
  readonly #processes: ChildProcess[] = [];
  #ifCount = 0;

  constructor(label: string) {
    // ns names are global on the host: the pid and a counter keep concurrent runs apart.
    this.prefix = `kt${process.pid}-${labCounter++}-${label}`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  }

  /** Creates a namespace with loopback up; returns its full name. */
  ns(label: string): string {
    const name = `${this.prefix}-${label}`;
    sh('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    liveNamespaces.add(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /**
   * A veth pair created directly inside the two namespaces (never in the host's), addresses assigned, links up.
   * IPv6 addresses skip DAD so they are usable at once.
   */
  link(a: LinkEnd, b: LinkEnd): void {
    const n = this.#ifCount++;
    const ifa = a.ifname ?? `veth${n}a`;
    const ifb = b.ifname ?? `veth${n}b`;
    sh('ip', ['-n', a.ns, 'link', 'add', ifa, 'type', 'veth', 'peer', 'name', ifb, 'netns', b.ns]);
    for (const [end, ifname] of [[a, ifa], [b, ifb]] as const) {
      for (const addr of end.addresses) {
        const extra = addr.includes(':') ? ['nodad'] : [];
        sh('ip', ['-n', end.ns, 'addr', 'add', addr, 'dev', ifname, ...extra]);
      }
      sh('ip', ['-n', end.ns, 'link', 'set', ifname, 'up']);
    }
  }

  exec(ns: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Starts a long-running process inside ns; cleanup() kills it. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#processes.push(child);
    return child;
  }

  /** An absolute kernel counter (nstat -a: ignore history, -s: don't write it) inside ns. */
  counter(ns: string, name: string): number {
    const out = this.exec(ns, 'nstat', ['-asz', name]);
    const line = out.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '\t'));
    if (!line) throw new Error(`nstat in ${ns} has no counter ${name}:\n${out}`);
    return Number(line.trim().split(/\s+/)[1]);
  }

  async cleanup(): Promise<void> {
    for (const p of this.#processes) {
      if (p.exitCode === null && p.signalCode === null) {
        const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
        p.kill('SIGTERM');
        const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    }
    for (const ns of this.#namespaces.splice(0).reverse()) {
      liveNamespaces.delete(ns);
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch (e) {
        console.error(`cleanup: ${String(e)}`);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || String(e)}`);
  }
}

/** Resolves once predicate() holds, polling; rejects with `what` after timeoutMs. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
