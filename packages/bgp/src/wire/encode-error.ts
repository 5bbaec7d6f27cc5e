// Encoders reject values that cannot be put on the wire. That is a bug in the caller, not a protocol error, so it is
// a different class from BgpError (which always maps to a NOTIFICATION).

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

/** Throws EncodeError unless `value` is an integer in 0..2^bits-1. */
export function checkUint(value: number, bits: 8 | 12 | 16 | 24 | 32, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new EncodeError(`${field} ${value} does not fit ${bits} bits`);
  }
}

/** Concatenates byte arrays (encoders of rare messages favour clarity over a single pre-sized buffer). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
