// Test support for the real-kernel netlink tests: root check and throwaway network namespaces with unique names.
import { execFileSync } from 'node:child_process';

/** Fails (never skips) when the tests cannot create namespaces. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('netlink kernel tests need root (CAP_NET_ADMIN) to create network namespaces: run them as root');
  }
}

const live = new Set<string>();
let counter = 0;
process.on('exit', () => {
  for (const name of live) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

/** Runs a command, returning stdout; throws with stderr on failure. */
export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A network namespace owned by this test process. */
export class TestNetns {
  private constructor(readonly name: string) {}

  /** Creates `kr-nl-<pid>-<n>-<tag>`; deleted by {@link delete} or, failing that, at process exit. */
  static create(tag: string): TestNetns {
    requireRoot();
    const name = `kr-nl-${process.pid}-${++counter}-${tag}`;
    sh('ip', ['netns', 'add', name]);
    live.add(name);
    const ns = new TestNetns(name);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n NAME ...` */
  ip(...args: string[]): string {
    return sh('ip', ['-n', this.name, ...args]);
  }

  /** `ip -n NAME -j ...` parsed. */
  ipJson<T = unknown>(...args: string[]): T {
    const out = this.ip('-j', ...args).trim();
    return (out ? JSON.parse(out) : []) as T;
  }

  /** A command run inside the namespace. */
  exec(cmd: string, ...args: string[]): string {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args]);
  }

  /** Interface index of `name` inside the namespace. */
  ifindex(name: string): number {
    const [link] = this.ipJson<{ ifindex: number }[]>('link', 'show', 'dev', name);
    if (!link) throw new Error(`no link ${name} in ${this.name}`);
    return link.ifindex;
  }

  delete(): void {
    if (!live.has(this.name)) return;
    live.delete(this.name);
    sh('ip', ['netns', 'del', this.name]);
  }
}

/**
 * veth0 (10.0.0.1/24, fd00::1/64) in `ns` ↔ veth1 (10.0.0.3/24, fd00::3/64) in `peer`, both up: 10.0.0.3 and
 * fd00::3 are real neighbours of `ns` to route via.
 */
export function addVethPair(ns: TestNetns, peer: TestNetns): { veth0: number } {
  ns.ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', peer.name);
  ns.ip('addr', 'add', '10.0.0.1/24', 'dev', 'veth0');
  ns.ip('-6', 'addr', 'add', 'fd00::1/64', 'dev', 'veth0', 'nodad');
  peer.ip('addr', 'add', '10.0.0.3/24', 'dev', 'veth1');
  peer.ip('-6', 'addr', 'add', 'fd00::3/64', 'dev', 'veth1', 'nodad');
  ns.ip('link', 'set', 'veth0', 'up');
  peer.ip('link', 'set', 'veth1', 'up');
  return { veth0: ns.ifindex('veth0') };
}
