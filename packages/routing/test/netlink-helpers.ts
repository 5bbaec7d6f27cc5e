// Test support for the real-kernel netlink tests: root check and throwaway network namespaces with unique names.
import { execFileSync } from 'node:child_process';
import { Rtnl } from '../src/index.js';

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

/** The two namespaces of {@link useVethNetns}, their veth pair and an Rtnl socket in the first. */
export interface VethNetns {
  readonly ns: TestNetns;
  readonly peer: TestNetns;
  readonly rtnl: Rtnl;
  readonly veth0: number;
}

/**
 * For a mocha describe(): before() creates namespaces `<tag>` and `<tag>p` joined by {@link addVethPair} and opens
 * an Rtnl in the first; after() closes and deletes whatever of that was made, even if before() failed half-way.
 * The fields are read through getters, so they are only valid inside the describe's tests and hooks.
 */
export function useVethNetns(tag: string): VethNetns {
  let ns: TestNetns | undefined;
  let peer: TestNetns | undefined;
  let rtnl: Rtnl | undefined;
  let veth0: number | undefined;

  before(() => {
    ns = TestNetns.create(tag);
    peer = TestNetns.create(`${tag}p`);
    ({ veth0 } = addVethPair(ns, peer));
    rtnl = Rtnl.open({ netns: ns.name });
  });

  after(() => {
    rtnl?.close();
    ns?.delete();
    peer?.delete();
  });

  function ready<T>(value: T | undefined, field: string): T {
    if (value === undefined) throw new Error(`useVethNetns('${tag}').${field} read before its before() hook ran`);
    return value;
  }
  return {
    get ns() { return ready(ns, 'ns'); },
    get peer() { return ready(peer, 'peer'); },
    get rtnl() { return ready(rtnl, 'rtnl'); },
    get veth0() { return ready(veth0, 'veth0'); },
  };
}
