import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_PREFIX, ownerPid } from './naming.js';

/**
 * One small JSON file per live lab. Namespace names already encode the owner's pid; the file adds the owner's start
 * time (so a recycled pid is not mistaken for the owner) and the lab's temp directory (so a sweep can remove it).
 */
export const REGISTRY_DIR = '/run/kroute-testkit';

export interface LabRecord {
  id: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot, unique per process incarnation. */
  startTime: string | undefined;
  dir: string;
  createdAt: string;
}

/** The start time of a process, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function recordPath(id: string): string {
  return join(REGISTRY_DIR, `${id}.json`);
}

export function writeRecord(record: LabRecord): void {
  mkdirSync(REGISTRY_DIR, { recursive: true });
  writeFileSync(recordPath(record.id), `${JSON.stringify(record)}\n`);
}

export function removeRecord(id: string): void {
  rmSync(recordPath(id), { force: true });
}

function readRecord(file: string): LabRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(REGISTRY_DIR, file), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && 'pid' in parsed && 'dir' in parsed) {
      return parsed as LabRecord;
    }
  } catch {
    // unreadable or half-written: ownership falls back to the pid in the name
  }
  return undefined;
}

export function listRecords(): LabRecord[] {
  let files: string[];
  try {
    files = readdirSync(REGISTRY_DIR);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.startsWith(`${LAB_PREFIX}-`) && f.endsWith('.json'))
    .map(readRecord)
    .filter((r): r is LabRecord => r !== undefined);
}

/**
 * Whether the process that owns a lab id or namespace name is still alive. With a record we also compare start
 * times, so a dead owner whose pid was recycled still counts as dead.
 */
export function ownerAlive(name: string, records: readonly LabRecord[]): boolean {
  const pid = ownerPid(name);
  if (pid === undefined) return true; // not ours: never touch it
  const start = processStartTime(pid);
  if (start === undefined) return false;
  const record = records.find((r) => r.pid === pid);
  return record?.startTime === undefined || record.startTime === start;
}
