// NOTIFICATION message objects the FSM and session send (RFC 4271 §6, RFC 4486, RFC 6608, RFC 8538, RFC 9003).
import { CeaseSubcode, ErrorCode, FsmErrorSubcode, UNSPECIFIC_SUBCODE } from '../wire/constants.js';
import type { BgpError } from '../wire/errors.js';
import { carriesShutdownCommunication, shutdownCommunicationData } from '../wire/notification.js';
import type { NotificationMessage } from '../wire/types.js';
import type { CeaseReason, FsmState } from './types.js';

const EMPTY = new Uint8Array(0);

export function notificationOf(code: number, subcode: number, data: Uint8Array = EMPTY): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

/** RFC 4486 Cease; subcodes 2 and 4 carry an RFC 9003 shutdown communication when one is given. */
export function ceaseNotification(reason: CeaseReason): NotificationMessage {
  if (reason.data !== undefined) return notificationOf(ErrorCode.CEASE, reason.subcode, reason.data);
  if (reason.communication !== undefined && carriesShutdownCommunication(ErrorCode.CEASE, reason.subcode)) {
    const data = shutdownCommunicationData(reason.communication);
    return { type: 'notification', code: ErrorCode.CEASE, subcode: reason.subcode, data, shutdownCommunication: reason.communication };
  }
  return notificationOf(ErrorCode.CEASE, reason.subcode);
}

/** RFC 4271 §6.5. */
export function holdTimerExpired(): NotificationMessage {
  return notificationOf(ErrorCode.HOLD_TIMER_EXPIRED, UNSPECIFIC_SUBCODE);
}

export function fromBgpError(err: BgpError): NotificationMessage {
  return notificationOf(err.code, err.subcode, err.data);
}

/**
 * RFC 6608 §4: an unexpected message gets the subcode naming the state it arrived in; other unexpected events
 * (timers the state should not have running) get the unspecified subcode 0.
 */
export function fsmError(state: FsmState, causedByMessage: boolean): NotificationMessage {
  if (!causedByMessage) return notificationOf(ErrorCode.FSM, FsmErrorSubcode.UNSPECIFIED);
  switch (state) {
    case 'OpenSent':
      return notificationOf(ErrorCode.FSM, FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT);
    case 'OpenConfirm':
      return notificationOf(ErrorCode.FSM, FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM);
    case 'Established':
      return notificationOf(ErrorCode.FSM, FsmErrorSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED);
    default:
      return notificationOf(ErrorCode.FSM, FsmErrorSubcode.UNSPECIFIED);
  }
}

/** Named Cease reasons (RFC 4486 §4, RFC 8538 §5). */
export const Cease = {
  /** RFC 9003: administrative shutdown, optionally with a shutdown communication. */
  adminShutdown: (communication?: string): CeaseReason => withCommunication(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, communication),
  adminReset: (communication?: string): CeaseReason => withCommunication(CeaseSubcode.ADMINISTRATIVE_RESET, communication),
  peerDeconfigured: (): CeaseReason => ({ subcode: CeaseSubcode.PEER_DECONFIGURED }),
  /** RFC 4486 §4: data is AFI (2), SAFI (1) and the prefix upper bound (4), when known. */
  maxPrefixes: (limit?: { afi: number; safi: number; max: number }): CeaseReason => {
    if (limit === undefined) return { subcode: CeaseSubcode.MAXIMUM_PREFIXES_REACHED };
    const data = new Uint8Array(7);
    const view = new DataView(data.buffer);
    view.setUint16(0, limit.afi);
    view.setUint8(2, limit.safi);
    view.setUint32(3, limit.max);
    return { subcode: CeaseSubcode.MAXIMUM_PREFIXES_REACHED, data };
  },
  connectionRejected: (): CeaseReason => ({ subcode: CeaseSubcode.CONNECTION_REJECTED }),
  otherConfigurationChange: (): CeaseReason => ({ subcode: CeaseSubcode.OTHER_CONFIGURATION_CHANGE }),
  collision: (): CeaseReason => ({ subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION }),
  outOfResources: (): CeaseReason => ({ subcode: CeaseSubcode.OUT_OF_RESOURCES }),
  /** RFC 8538 §3: Hard Reset; data is the code, subcode and data of the NOTIFICATION it stands for. */
  hardReset: (inner?: NotificationMessage): CeaseReason => {
    if (inner === undefined) return { subcode: CeaseSubcode.HARD_RESET };
    const data = new Uint8Array(2 + inner.data.length);
    data[0] = inner.code;
    data[1] = inner.subcode;
    data.set(inner.data, 2);
    return { subcode: CeaseSubcode.HARD_RESET, data };
  },
} as const;

function withCommunication(subcode: number, communication: string | undefined): CeaseReason {
  return communication === undefined ? { subcode } : { subcode, communication };
}
