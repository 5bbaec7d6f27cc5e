// Which prefixes changed in the Loc-RIB, in order, for several readers (each established peer's export, and the
// best-path event consumer). One Int32Array of prefix indices instead of a dirty set per peer; entries hold a
// reference on their index so it cannot be recycled for another prefix before every reader has seen it.
import type { PrefixIndex } from './prefix-index.js';

const INITIAL_CAPACITY = 1024;

export class ChangeLog {
  private buf = new Int32Array(INITIAL_CAPACITY);
  /** Absolute position of buf[0]. */
  private base = 0;
  private length = 0;
  private readonly cursors = new Map<string, number>();

  constructor(private readonly index: PrefixIndex) {}

  get end(): number {
    return this.base + this.length;
  }

  push(idx: number): void {
    if (this.cursors.size === 0) return; // nobody would read it
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = idx;
    this.index.retain(idx);
  }

  private grow(): void {
    this.compact();
    if (this.length < this.buf.length / 2) return;
    const next = new Int32Array(this.buf.length * 2);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** A reader that starts at the current end (it sees only later changes). */
  open(reader: string): void {
    this.cursors.set(reader, this.end);
  }

  close(reader: string): void {
    this.cursors.delete(reader);
    this.compact();
  }

  has(reader: string): boolean {
    return this.cursors.has(reader);
  }

  /** Moves the reader to the end without reading (after a full scan made the entries redundant). */
  skip(reader: string): void {
    if (this.cursors.has(reader)) this.cursors.set(reader, this.end);
  }

  /**
   * Calls fn for every entry the reader has not seen yet (duplicates possible), then compacts. When fn returns
   * false the entry is left unread and reading stops there.
   */
  read(reader: string, fn: (idx: number) => boolean | void): void {
    const from = this.cursors.get(reader);
    if (from === undefined) return;
    const end = this.end;
    let p = from;
    for (; p < end; p++) if (fn(this.buf[p - this.base]!) === false) break;
    this.cursors.set(reader, p);
    this.compact();
  }

  pending(reader: string): number {
    const c = this.cursors.get(reader);
    return c === undefined ? 0 : this.end - c;
  }

  /**
   * Drops the entries every reader has passed, releasing their index references. Only when that frees at least
   * half the buffer (or all of it), so a lagging reader does not make every read copy the pending tail.
   */
  compact(): void {
    let min = this.end;
    for (const c of this.cursors.values()) if (c < min) min = c;
    const drop = min - this.base;
    if (drop <= 0 || (drop < this.length && drop * 2 < this.length)) return;
    for (let i = 0; i < drop; i++) this.index.release(this.buf[i]!);
    this.buf.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.base = min;
  }
}
