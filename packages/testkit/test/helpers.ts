import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listNamespaces, waitFor } from '../src/index.js';

/** A compiled fixture script next to the compiled tests. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export async function namespaceExists(name: string): Promise<boolean> {
  return (await listNamespaces()).includes(name);
}

/** Alive and not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** What lab-child.js reports once its lab is set up. */
export interface ChildReport {
  pid: number;
  labId: string;
  namespaces: string[];
  pids: number[];
}

/** Starts a fixture script with node and resolves with its first stdout line, parsed as JSON. */
export async function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; report: ChildReport; stderr: () => string }> {
  const child = spawn(process.execPath, [fixture(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const line = await waitFor(() => (out.includes('\n') ? out.slice(0, out.indexOf('\n')) : undefined), {
    what: `${script} to report its lab (stderr so far: ${err})`,
    timeoutMs: 15_000,
  });
  return { child, report: JSON.parse(line) as ChildReport, stderr: () => err };
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
