import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { run } from './exec.js';
import { installExitHooks } from './exit-hooks.js';
import { isValidIfName, isValidNetnsLabel, labId, LAB_PREFIX } from './naming.js';
import { LabNetns, type Netns } from './netns.js';
import type { TrackedProcess } from './process.js';
import { listRecords, ownerAlive, processStartTime, removeRecord, writeRecord } from './registry.js';
import { requireNetns } from './require.js';
import { destroyNamespace, destroyNamespaceSync, listNamespaces, removeDir } from './teardown.js';

/** Options of {@link Lab.veth}. */
export interface VethOptions {
  /** Interface name in `a` (default `eth<n>`, the next free index in that namespace). At most 15 characters. */
  aName?: string;
  /** Interface name in `b` (default `eth<n>`). */
  bName?: string;
  /** CIDR addresses for the `a` end, e.g. `["10.0.0.1/24", "fd00::1/64"]`. */
  aAddrs?: string[];
  /** CIDR addresses for the `b` end. */
  bAddrs?: string[];
  mtu?: number;
}

/** One member of a {@link Lab.lan}: a namespace, the name of its port and its addresses. */
export interface LanMember {
  ns: Netns;
  /** Interface name inside `ns` (default `eth<n>`). */
  ifName?: string;
  /** CIDR addresses, e.g. `["192.168.1.11/24"]`. */
  addrs?: string[];
}

/** Name of the bridge inside a {@link Lab.lan} switch namespace. */
export const LAN_BRIDGE = 'br0';

/** Grace period a lab gives its processes between SIGTERM and SIGKILL on cleanup. */
export const CLEANUP_GRACE_MS = 1_000;

/** Set KROUTE_TESTKIT_KEEP=1 to keep each lab's temp directory (configs, logs) after cleanup, for debugging. */
const KEEP_DIR_ENV = 'KROUTE_TESTKIT_KEEP';

let counter = 0;

/**
 * One test's world: every namespace, link and process it creates. {@link Lab.cleanup} removes all of it, and so do
 * this process's exit and signal handlers, and — if this process is SIGKILLed — the next {@link Lab.create} anywhere
 * on the machine.
 *
 * @example
 * const lab = await Lab.create('ping');
 * try {
 *   const [a, b] = [await lab.netns('a'), await lab.netns('b')];
 *   await lab.veth(a, b, { aAddrs: ['10.0.0.1/24'], bAddrs: ['10.0.0.2/24'] });
 *   await a.exec('ping', ['-c1', '10.0.0.2']);
 * } finally {
 *   await lab.cleanup();
 * }
 */
export class Lab {
  /** @internal Labs of this process not yet cleaned up, for the exit and signal handlers. */
  static readonly live = new Set<Lab>();

  /** Unique on this machine: `ktk-<pid>-<counter>-<tag>`. Every namespace name starts with it. */
  readonly id: string;
  /** A private temp directory for configs and logs; removed on cleanup. */
  readonly dir: string;
  private readonly namespaces = new Map<string, LabNetns>();
  private readonly processes = new Set<TrackedProcess>();
  private cleaning: Promise<void> | undefined;
  /** No new namespaces or processes once cleanup has started. */
  private closed = false;
  /** Everything removed. Distinct from `closed`: an exit during an async cleanup must still finish the job. */
  private done = false;

  private constructor(id: string, dir: string) {
    this.id = id;
    this.dir = dir;
  }

  /**
   * Creates a lab. First sweeps stale labs: namespaces (and their processes) and temp directories left by testkit
   * users whose process has died. Throws a {@link PrerequisiteError} without root.
   * @param tag a few words naming the test; it appears in namespace names.
   */
  static async create(tag = 'lab'): Promise<Lab> {
    requireNetns();
    installExitHooks(cleanupAllLabsSync);
    await sweepStaleLabs();
    const id = labId(process.pid, ++counter, tag);
    const dir = mkdtempSync(join(tmpdir(), `${id}-`));
    const lab = new Lab(id, dir);
    writeRecord({ id, pid: process.pid, startTime: processStartTime(process.pid), dir, createdAt: new Date().toISOString() });
    Lab.live.add(lab);
    return lab;
  }

  /** Namespaces created so far, in creation order. */
  get netnsList(): Netns[] {
    return [...this.namespaces.values()];
  }

  /** A path inside the lab's temp directory. */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** Creates namespace `<id>-<label>` and brings its loopback up. */
  async netns(label: string): Promise<Netns> {
    this.assertOpen(`create netns ${label}`);
    if (!isValidNetnsLabel(label)) {
      throw new TestkitError(`netns label ${JSON.stringify(label)}: use letters, digits, '.', '_' or '-' (at most 64)`);
    }
    if (this.namespaces.has(label)) throw new TestkitError(`lab ${this.id} already has a netns ${JSON.stringify(label)}`);
    const ns = new LabNetns(`${this.id}-${label}`, label, this);
    // Register before creating, so a failure halfway still gets cleaned up.
    this.namespaces.set(label, ns);
    await run('ip', ['netns', 'add', ns.name]);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /**
   * Joins `a` and `b` with a veth pair created directly inside them (never in the host namespace), assigns the
   * addresses and sets both ends up. IPv6 addresses are added with `nodad`, so they are usable at once.
   * @returns the interface names at each end.
   */
  async veth(a: Netns, b: Netns, opts: VethOptions = {}): Promise<{ a: string; b: string }> {
    this.assertOpen('create veth');
    const nsA = this.own(a);
    const nsB = this.own(b);
    const aName = opts.aName ?? `eth${nsA.ifCount}`;
    const bName = opts.bName ?? (nsA === nsB ? `eth${nsB.ifCount + 1}` : `eth${nsB.ifCount}`);
    for (const n of [aName, bName]) {
      if (!isValidIfName(n)) throw new TestkitError(`interface name ${JSON.stringify(n)}: 1-15 characters of [A-Za-z0-9_.-]`);
    }
    const mtu = opts.mtu === undefined ? [] : ['mtu', String(opts.mtu)];
    // One `ip -batch` per side instead of a process per step: process start-up dominates the cost here.
    const aSteps = configure(aName, opts.aAddrs ?? []);
    const bSteps = configure(bName, opts.bAddrs ?? []);
    await ipBatch(nsA, [['link', 'add', 'name', aName, ...mtu, 'type', 'veth', 'peer', 'name', bName, ...mtu, 'netns', nsB.name], ...aSteps]);
    nsA.ifCount++;
    nsB.ifCount++;
    await ipBatch(nsB, bSteps);
    return { a: aName, b: bName };
  }

  /**
   * A shared Ethernet segment, like hosts on one switch: creates namespace `label` holding bridge `br0`, and joins
   * each member to it with a veth (port `p<i>` on the bridge side). Members on one subnet reach each other directly,
   * as cluster nodes on one L2 network do.
   * @returns the switch namespace and each member's interface name, in order.
   */
  async lan(label: string, members: readonly LanMember[]): Promise<{ switch: Netns; ifNames: string[] }> {
    const sw = await this.netns(label);
    await sw.ip('link', 'add', LAN_BRIDGE, 'type', 'bridge');
    await sw.ip('link', 'set', LAN_BRIDGE, 'up');
    const ifNames: string[] = [];
    for (const [i, m] of members.entries()) {
      const port = `p${i}`;
      const link = await this.veth(m.ns, sw, { ...(m.ifName ? { aName: m.ifName } : {}), aAddrs: m.addrs ?? [], bName: port });
      await sw.ip('link', 'set', port, 'master', LAN_BRIDGE);
      ifNames.push(link.a);
    }
    return { switch: sw, ifNames };
  }

  /**
   * Stops the lab's processes (SIGTERM, then SIGKILL after a grace period), kills anything else left inside its
   * namespaces, deletes the namespaces (and with them the veths) and the temp directory. Idempotent; safe to call
   * concurrently.
   */
  cleanup(): Promise<void> {
    this.cleaning ??= this.doCleanup();
    return this.cleaning;
  }

  /** Synchronous cleanup for exit and signal handlers: no grace period, everything is SIGKILLed. */
  cleanupSync(): void {
    if (this.done) return;
    this.closed = true;
    for (const p of this.processes) {
      if (p.running) p.child.kill('SIGKILL');
    }
    for (const ns of this.namespaces.values()) destroyNamespaceSync(ns.name);
    this.forget();
  }

  /** @internal used by namespaces to register their processes. */
  track(p: TrackedProcess): void {
    this.processes.add(p);
  }

  /** @internal */
  assertOpen(action: string): void {
    if (this.closed) throw new TestkitError(`lab ${this.id} is cleaned up; cannot ${action}`);
  }

  private async doCleanup(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.processes].map((p) => p.stop('SIGTERM', CLEANUP_GRACE_MS)));
    const errors: unknown[] = [];
    for (const ns of this.namespaces.values()) {
      try {
        await destroyNamespace(ns.name);
      } catch (err) {
        errors.push(err);
      }
    }
    this.forget();
    if (errors.length > 0) {
      throw new TestkitError(`lab ${this.id} cleanup: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
    }
  }

  private forget(): void {
    this.done = true;
    if (!process.env[KEEP_DIR_ENV]) removeDir(this.dir);
    removeRecord(this.id);
    Lab.live.delete(this);
  }

  private own(ns: Netns): LabNetns {
    const mine = this.namespaces.get(ns.label);
    if (!mine || mine !== ns) throw new TestkitError(`netns ${ns.name} does not belong to lab ${this.id}`);
    return mine;
  }
}

/** `ip` commands that address an interface and set it up. IPv6 addresses get `nodad` so they are usable at once. */
function configure(ifName: string, addrs: readonly string[]): string[][] {
  const steps = addrs.map((addr) => {
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(addr)) throw new TestkitError(`address ${JSON.stringify(addr)}: expected CIDR like 10.0.0.1/24 or fd00::1/64`);
    const v6 = addr.includes(':');
    return ['addr', 'add', addr, 'dev', ifName, ...(v6 ? ['nodad'] : [])];
  });
  return [...steps, ['link', 'set', ifName, 'up']];
}

/** Runs several `ip` commands in one process inside `ns`; stops at, and reports, the first failure. */
async function ipBatch(ns: Netns, commands: readonly string[][]): Promise<void> {
  await run('ip', ['-n', ns.name, '-batch', '-'], { input: `${commands.map((c) => c.join(' ')).join('\n')}\n` });
}

function cleanupAllLabsSync(): void {
  for (const lab of [...Lab.live]) {
    try {
      lab.cleanupSync();
    } catch {
      // keep going: the other labs still deserve cleaning
    }
  }
}

/**
 * Runs `body` with a fresh {@link Lab} and cleans the lab up afterwards, whether `body` returns or throws.
 * For tests that want a lab of their own rather than one per mocha `describe` (see {@link useLab}).
 */
export async function withLab<T>(tag: string, body: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create(tag);
  try {
    return await body(lab);
  } finally {
    await lab.cleanup();
  }
}

/**
 * Removes what dead testkit users left behind: namespaces named `ktk-<pid>-...` whose pid is dead (their processes
 * are killed first), and registry records and temp directories of dead labs. Never touches a live owner's labs or
 * namespaces the testkit did not name.
 * @returns the names of the namespaces removed.
 */
export async function sweepStaleLabs(): Promise<string[]> {
  const records = listRecords();
  const stale = (await listNamespaces()).filter((n) => n.startsWith(`${LAB_PREFIX}-`) && !ownerAlive(n, records));
  for (const name of stale) await destroyNamespace(name);
  for (const r of records) {
    if (!ownerAlive(r.id, records)) {
      removeDir(r.dir);
      removeRecord(r.id);
    }
  }
  return stale;
}
