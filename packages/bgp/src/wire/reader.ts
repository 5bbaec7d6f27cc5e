// Splits a TCP byte stream into whole BGP messages (RFC 4271 §4.1 framing by the header's length field).
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { BgpError } from './errors.js';
import { readHeaderLength } from './header.js';

/**
 * Push chunks as they arrive, then iterate (or call next()) to take the complete messages out.
 *
 * - A message lying inside one chunk is handed out as a zero-copy subarray of that chunk; only a message that
 *   spans chunks is copied, into a buffer of exactly its length.
 * - The header is checked (marker 1/1, length 19..max 1/2) as soon as its 19 octets are in, before the body is
 *   awaited, so a bad length never makes the reader wait for or buffer a huge body.
 * - Once drained, the reader holds at most one incomplete message (<= max length) and no reference to the chunks
 *   pushed so far. Chunks pushed and not yet drained are kept as they are (the caller controls that by draining).
 * - After a BgpError the stream cannot be resynchronised (RFC 4271 §6.1: the session is closed), so every later
 *   call rethrows the same error.
 */
export class MessageReader implements Iterable<Uint8Array> {
  #max: number;
  /** Chunks not yet looked at, oldest first; `#offset` is the read position in `#chunks[#head]`. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  /** A message being assembled across chunks: a header scratch until the length is known, then the message. */
  #partial: Uint8Array | null = null;
  #filled = 0;
  #failed: BgpError | null = null;

  constructor(options: { extendedMessage?: boolean } = {}) {
    this.#max = options.extendedMessage === true ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** The largest message accepted: 4096, or 65535 once RFC 8654 extended messages are negotiated. */
  get maxMessageLength(): number {
    return this.#max;
  }

  /** Switch to RFC 8654 limits after the OPEN exchange (or back, for a new session). */
  set extendedMessage(on: boolean) {
    this.#max = on ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  get extendedMessage(): boolean {
    return this.#max === MAX_EXTENDED_MESSAGE_LENGTH;
  }

  /** Octets received and not yet handed out as part of a message. */
  get bufferedLength(): number {
    let n = this.#filled;
    for (let i = this.#head; i < this.#chunks.length; i++) n += this.#chunks[i]!.length - (i === this.#head ? this.#offset : 0);
    return n;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failed;
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** The next complete message, or undefined until more octets arrive. Throws BgpError 1/1 or 1/2. */
  next(): Uint8Array | undefined {
    if (this.#failed) throw this.#failed;
    try {
      return this.#next();
    } catch (e) {
      if (e instanceof BgpError) {
        this.#failed = e;
        this.#chunks = [];
        this.#partial = null;
      }
      throw e;
    }
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let m = this.next(); m !== undefined; m = this.next()) yield m;
  }

  #next(): Uint8Array | undefined {
    if (this.#partial === null) {
      const direct = this.#fromHead();
      if (direct !== undefined || this.#partial === null) return direct;
    }
    return this.#assemble();
  }

  /** Takes a message lying inside the head chunk, or moves an incomplete tail into `#partial`. */
  #fromHead(): Uint8Array | undefined {
    const chunk = this.#currentChunk();
    if (chunk === undefined) return undefined;
    const rest = chunk.length - this.#offset;
    if (rest >= HEADER_LENGTH) {
      const length = readHeaderLength(chunk, this.#offset, this.#max);
      if (rest >= length) {
        const msg = chunk.subarray(this.#offset, this.#offset + length);
        this.#offset += length;
        return msg;
      }
      this.#partial = new Uint8Array(length);
    } else {
      this.#partial = new Uint8Array(HEADER_LENGTH);
    }
    this.#partial.set(chunk.subarray(this.#offset));
    this.#filled = rest;
    this.#dropHead();
    return undefined;
  }

  /** Fills `#partial` from the queued chunks; returns it once complete. */
  #assemble(): Uint8Array | undefined {
    if (this.#filled < HEADER_LENGTH) {
      this.#fill(HEADER_LENGTH);
      if (this.#filled < HEADER_LENGTH) return undefined;
      const length = readHeaderLength(this.#partial!, 0, this.#max);
      if (length > HEADER_LENGTH) {
        const msg = new Uint8Array(length);
        msg.set(this.#partial!);
        this.#partial = msg;
      }
    }
    const length = this.#partial!.length;
    this.#fill(length);
    if (this.#filled < length) return undefined;
    const msg = this.#partial!;
    this.#partial = null;
    this.#filled = 0;
    return msg;
  }

  /** Copies queued octets into `#partial` until it holds `target` octets or the queue is empty. */
  #fill(target: number): void {
    const partial = this.#partial!;
    while (this.#filled < target) {
      const chunk = this.#currentChunk();
      if (chunk === undefined) return;
      const take = Math.min(target - this.#filled, chunk.length - this.#offset);
      partial.set(chunk.subarray(this.#offset, this.#offset + take), this.#filled);
      this.#filled += take;
      this.#offset += take;
    }
  }

  /** The chunk at the read position, skipping exhausted ones; releases references to consumed chunks. */
  #currentChunk(): Uint8Array | undefined {
    while (this.#head < this.#chunks.length && this.#offset >= this.#chunks[this.#head]!.length) this.#dropHead();
    if (this.#head >= this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
      return undefined;
    }
    return this.#chunks[this.#head];
  }

  #dropHead(): void {
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#offset = 0;
  }
}

const EMPTY = new Uint8Array(0);
