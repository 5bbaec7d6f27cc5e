import { ErrorCode } from './constants.js';

/**
 * A protocol error that ends the session with a NOTIFICATION (RFC 4271 §6). It carries exactly what the
 * NOTIFICATION must carry: error code, subcode and data. The codec throws nothing else.
 */
export class BgpError extends Error {
  override readonly name = 'BgpError';
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Uint8Array = new Uint8Array(0),
  ) {
    super(message);
  }

  /** Short form used in logs and the REST API: "3/1 Malformed Attribute List: ...". */
  describe(): string {
    return `${this.code}/${this.subcode} ${this.message}`;
  }
}

export function isBgpError(e: unknown): e is BgpError {
  return e instanceof BgpError;
}

export { ErrorCode };
