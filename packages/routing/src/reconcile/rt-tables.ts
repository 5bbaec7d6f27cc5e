/**
 * Registers table 77 as `kube-router` in iproute2's rt_tables, as kube-router does (reference §1.9), so that
 * `ip route show table kube-router` works. Only the daemon calls this; the paths are injectable so tests never touch
 * the host's files.
 * @packageDocumentation
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TUNNEL_TABLE, TUNNEL_TABLE_NAME } from '../plan/kernel-routes.js';

/** Where iproute2 looks, in kube-router's search order; the first is where a missing entry is written. */
export const RT_TABLES_PATHS: readonly string[] = ['/etc/iproute2/rt_tables', '/usr/lib/iproute2/rt_tables', '/usr/share/iproute2/rt_tables'];

export interface RtTablesOptions {
  /** Files to search; the entry is appended to the first (created if missing). Default {@link RT_TABLES_PATHS}. */
  readonly paths?: readonly string[];
  readonly id?: number;
  readonly name?: string;
}

/** The table id is already registered under another name: appending ours would make names ambiguous. */
export class RtTablesConflictError extends Error {
  override readonly name = 'RtTablesConflictError';
  constructor(
    readonly path: string,
    readonly id: number,
    readonly existingName: string,
  ) {
    super(`${path}: table ${id} is already named ${JSON.stringify(existingName)}`);
  }
}

/** `id name` lines, comments and blanks skipped. */
export function parseRtTables(text: string): { id: number; name: string }[] {
  const out: { id: number; name: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [id, name] = line.split(/\s+/);
    if (id === undefined || name === undefined) continue;
    const n = id.startsWith('0x') ? parseInt(id, 16) : Number(id);
    if (Number.isInteger(n)) out.push({ id: n, name });
  }
  return out;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Makes sure `name` is registered; returns where it was found or written and whether it was added now. */
export async function registerRouteTable(options: RtTablesOptions = {}): Promise<{ path: string; added: boolean }> {
  const paths = options.paths ?? RT_TABLES_PATHS;
  const id = options.id ?? TUNNEL_TABLE;
  const name = options.name ?? TUNNEL_TABLE_NAME;
  if (paths.length === 0) throw new RangeError('registerRouteTable: no rt_tables path given');
  for (const path of paths) {
    const text = await readIfPresent(path);
    if (text === undefined) continue;
    const entries = parseRtTables(text);
    if (entries.some((e) => e.name === name)) return { path, added: false };
    const taken = entries.find((e) => e.id === id);
    if (taken) throw new RtTablesConflictError(path, id, taken.name);
  }
  const target = paths[0]!;
  const existing = await readIfPresent(target);
  await mkdir(dirname(target), { recursive: true });
  const separator = existing !== undefined && existing.length > 0 && !existing.endsWith('\n') ? '\n' : '';
  await appendFile(target, `${separator}${id}\t${name}\n`);
  return { path: target, added: true };
}
