import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from './errors.js';
import { run, runSync } from './exec.js';

/** How long we wait for SIGKILLed processes to vanish before deleting their namespace anyway. */
const KILL_WAIT_MS = 2_000;
const KILL_POLL_MS = 20;

function parsePids(text: string): number[] {
  return text
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** A zombie counts as dead: it holds no namespace, and in a sync handler nobody will reap it for us. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Lists the namespaces on this machine (`ip netns list`; lines look like `name (id: 3)`). */
export async function listNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

export function listNamespacesSync(): string[] {
  return runSync('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

/**
 * Kills every process inside namespace `name`, then deletes it. Processes go first: a namespace whose name is
 * deleted lives on as long as a process holds it, along with its veths and sockets. Missing namespaces are fine.
 */
export async function destroyNamespace(name: string): Promise<void> {
  const listed = await run('ip', ['netns', 'pids', name], { allowFail: true });
  if (listed.code !== 0) return; // already gone
  const pids = parsePids(listed.stdout).filter((p) => p !== process.pid);
  killAll(pids);
  const deadline = Date.now() + KILL_WAIT_MS;
  while (pids.some(alive) && Date.now() < deadline) await sleep(KILL_POLL_MS);
  const del = await run('ip', ['netns', 'del', name], { allowFail: true });
  // A concurrent sweep may have deleted it first; that is success too.
  if (del.code !== 0 && (await listNamespaces()).includes(name)) {
    throw new CommandError(`ip netns del ${name} failed: ${del.stderr.trim()}`, ['ip', 'netns', 'del', name], del.code, del.stdout, del.stderr);
  }
}

/** Synchronous {@link destroyNamespace}, for exit and signal handlers. */
export function destroyNamespaceSync(name: string): void {
  const listed = runSync('ip', ['netns', 'pids', name]);
  if (listed.code !== 0) return;
  const pids = parsePids(listed.stdout).filter((p) => p !== process.pid);
  killAll(pids);
  const deadline = Date.now() + KILL_WAIT_MS;
  // Busy-waiting is acceptable here: the process is exiting and nothing else can run anyway.
  while (pids.some(alive) && Date.now() < deadline) runSync('sleep', ['0.02']);
  runSync('ip', ['netns', 'del', name]);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
