/**
 * Errors of the tunnel package. Kernel refusals keep the underlying NetlinkError as `cause`.
 * @packageDocumentation
 */

/** A tunnel could not be built or removed; the message names the object and what went wrong. */
export class TunnelError extends Error {
  override readonly name: string = 'TunnelError';
}

/** The running kernel lacks something an overlay needs (a link type, the fou module). */
export class KernelSupportError extends TunnelError {
  override readonly name = 'KernelSupportError';
}
