// When a session ends, may the receiving speaker keep the peer's routes (RFC 4724 §4.2, RFC 8538 §3)? Pure.
import type { DownReason } from '../fsm/types.js';
import { CeaseSubcode, ErrorCode } from '../wire/constants.js';
import type { Family, NotificationMessage } from '../wire/types.js';

export interface PeerGrView {
  /** The peer's Restart Time, seconds. */
  readonly restartTime: number;
  /** Families listed in the peer's last GR capability. */
  readonly families: readonly Family[];
  /** RFC 8538 N bit in the peer's capability. */
  readonly notification: boolean;
}

/**
 * RFC 8538 §5 suggests these Cease subcodes be sent as a Hard Reset. Our session sends them as plain Cease, so when
 * we sent one we treat it as hard ourselves (the peer decides for its side).
 */
const HARD_CEASES_SENT: ReadonlySet<number> = new Set([
  CeaseSubcode.MAXIMUM_PREFIXES_REACHED,
  CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
  CeaseSubcode.PEER_DECONFIGURED,
  CeaseSubcode.HARD_RESET,
]);

function isCease(n: NotificationMessage, subcodes: ReadonlySet<number>): boolean {
  return n.code === ErrorCode.CEASE && subcodes.has(n.subcode);
}

const HARD_RESET_ONLY: ReadonlySet<number> = new Set([CeaseSubcode.HARD_RESET]);

/**
 * The families whose routes are kept stale, or null when every route is to be flushed now.
 * - No GR on either side (we did not advertise it, or the peer did not): flush.
 * - No NOTIFICATION either way (TCP loss, hold timer on a silent link): keep (RFC 4724 §4.2).
 * - A NOTIFICATION without the N bit on both sides: flush (RFC 4724 predates RFC 8538).
 * - With the N bit: keep, unless it was a Hard Reset (6/9) received, or a hard Cease we sent (RFC 8538 §3, §5).
 */
export function retainedFamilies(reason: DownReason, localGr: { readonly notification: boolean } | undefined, peer: PeerGrView | null): Family[] | null {
  if (localGr === undefined || peer === null || peer.restartTime <= 0 || peer.families.length === 0) return null;
  const n = localGr.notification && peer.notification;
  if (reason.received !== undefined) {
    if (!n || isCease(reason.received, HARD_RESET_ONLY)) return null;
  }
  if (reason.sent !== undefined) {
    if (!n || isCease(reason.sent, HARD_CEASES_SENT)) return null;
  }
  return [...peer.families];
}
