/**
 * How the reconciler turns failures into report entries.
 * @packageDocumentation
 */
import { NetlinkError } from '../netlink/errors.js';
import type { ReconcileError } from './report.js';

/** The code reported when the tunnel backend (not the kernel) failed. */
export const TUNNEL_ERROR_CODE = 'ETUNNEL';

export function errorOf(e: NetlinkError): ReconcileError {
  return { operation: e.operation, code: e.code, message: e.message };
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function codeOf(e: unknown): string {
  return e instanceof NetlinkError ? e.code : ((e as { code?: string }).code ?? 'EUNKNOWN');
}

export function tunnelError(operation: string, e: unknown): ReconcileError {
  return { operation, code: e instanceof NetlinkError ? e.code : TUNNEL_ERROR_CODE, message: `${operation}: ${asError(e).message}` };
}
