// --cluster-state FILE: Nodes, Services and EndpointSlices from a multi-document YAML file (or `kind: List`, as
// `kubectl get -o yaml` prints), watched for changes. A bad edit is reported with its document and field, and the
// last good state is kept, so a typo never withdraws routes.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkObject, ObjectError, type CheckedObject } from './validate.js';
import { objectKey, type ClusterChange, type ClusterSnapshot, type ClusterSource, type ObjectKind } from './types.js';

/** Editors write in bursts (truncate, write, rename); wait for the burst to end before re-reading. */
const WATCH_DEBOUNCE_MS = 50;

interface Entry {
  readonly checked: CheckedObject;
  readonly json: string;
}

/** Parses a cluster-state document set. Throws ObjectError naming the document and field. */
export function parseClusterState(text: string, fileLabel: string): CheckedObject[] {
  const out: CheckedObject[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${fileLabel} document ${i + 1}`;
    if (doc.errors.length > 0) throw new ObjectError(where, '(yaml)', doc.errors[0]!.message.split('\n')[0]!);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing '---'
    if (typeof value === 'object' && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'List') {
      const items = (value as { items?: unknown }).items;
      if (!Array.isArray(items)) throw new ObjectError(where, 'items', 'a List needs an items list');
      items.forEach((item, j) => out.push(checkObject(item, `${where} item ${j + 1}`)));
      return;
    }
    out.push(checkObject(value, where));
  });
  return out;
}

function keyOf(c: CheckedObject): string {
  const md = c.object.metadata!;
  return `${c.kind}:${objectKey(md.namespace ?? (c.kind === 'Node' ? undefined : 'default'), md.name!)}`;
}

export class FileClusterSource extends EventEmitter implements ClusterSource {
  private readonly path: string;
  private entries = new Map<string, Entry>();
  private current: ClusterSnapshot = { nodes: [], services: [], endpointSlices: [] };
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(path: string) {
    super();
    this.path = resolve(path);
  }

  /** Reads the file once (a bad first file is an error: there is no last good state yet), then watches it. */
  async start(): Promise<void> {
    const text = await readFile(this.path, 'utf8');
    this.apply(text, true);
    // Watch the directory, not the file: editors and `kubectl ... > file` replace the inode.
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name !== null && name !== basename(this.path)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.reading = this.reading.then(() => this.reload()); }, WATCH_DEBOUNCE_MS);
    });
  }

  snapshot(): ClusterSnapshot {
    return this.current;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.reading;
  }

  /** Re-reads now (tests and SIGHUP use it; the watcher calls it after a change). */
  async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      this.emit('problem', `${this.path}: ${(e as Error).message}; keeping the last good cluster state`);
      return;
    }
    try {
      this.apply(text, false);
    } catch (e) {
      this.emit('problem', `${(e as Error).message}; keeping the last good cluster state`);
    }
  }

  private apply(text: string, first: boolean): void {
    if (!first && text === this.lastText) return;
    const objects = parseClusterState(text, basename(this.path));
    const next = new Map<string, Entry>();
    for (const checked of objects) {
      const key = keyOf(checked);
      if (next.has(key)) {
        throw new ObjectError(`${basename(this.path)}`, key.replace(':', ' '), 'appears twice');
      }
      next.set(key, { checked, json: JSON.stringify(checked.object) });
    }
    const changes: ClusterChange[] = [];
    for (const [key, e] of next) {
      const old = this.entries.get(key);
      if (!old) changes.push(change(e.checked, 'added'));
      else if (old.json !== e.json) changes.push(change(e.checked, 'modified'));
    }
    for (const [key, e] of this.entries) if (!next.has(key)) changes.push(change(e.checked, 'deleted'));
    this.entries = next;
    this.lastText = text;
    const all = [...next.values()].map((e) => e.checked);
    this.current = Object.freeze({
      nodes: all.flatMap((c) => (c.kind === 'Node' ? [c.object] : [])),
      services: all.flatMap((c) => (c.kind === 'Service' ? [c.object] : [])),
      endpointSlices: all.flatMap((c) => (c.kind === 'EndpointSlice' ? [c.object] : [])),
    });
    if (!first) for (const c of changes) this.emit('change', c);
  }
}

function change(c: CheckedObject, type: ClusterChange['type']): ClusterChange {
  const md = c.object.metadata!;
  const kind: ObjectKind = c.kind;
  return { kind, type, name: md.name!, ...(md.namespace ? { namespace: md.namespace } : {}) };
}
