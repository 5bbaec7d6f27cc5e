// Namespace names of `kroute lab --netns` and the sweep of those a killed run left behind. Every name is
// `kroute-lab-<pid>-<label>`: the owner's pid tells a live lab (never touched) from a dead one (removed at the next
// start, its processes killed first).
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, runCommandSync } from './host-command.js';

export const NETNS_LAB_PREFIX = 'kroute-lab-';
const NAME_RE = /^kroute-lab-(\d+)-/;

export function netnsLabName(pid: number, label: string): string {
  return `${NETNS_LAB_PREFIX}${pid}-${label}`;
}

/** The lab's temp directory prefix (gobgpd config and log); swept like the namespaces. */
export function netnsLabDirPrefix(pid: number): string {
  return join(tmpdir(), `${NETNS_LAB_PREFIX}${pid}-`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function listNetns(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.length > 0);
}

/** Kills whatever runs inside `name` (gobgpd, pings) and deletes it. */
export async function destroyNetns(name: string): Promise<void> {
  const { stdout } = await runCommand('ip', ['netns', 'pids', name], { allowFail: true });
  for (const pid of stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await runCommand('ip', ['netns', 'del', name], { allowFail: true });
}

export function destroyNetnsSync(name: string): void {
  for (const pid of runCommandSync('ip', ['netns', 'pids', name]).split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  runCommandSync('ip', ['netns', 'del', name]);
}

/** Removes the namespaces and temp dirs of lab runs whose process is gone. Returns the namespaces removed. */
export async function sweepStaleNetnsLabs(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listNetns()) {
    const m = NAME_RE.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    await destroyNetns(name);
    removed.push(name);
  }
  for (const entry of readdirSync(tmpdir())) {
    const m = NAME_RE.exec(entry);
    if (m && !alive(Number(m[1]))) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
  return removed;
}
