// The vocabulary of the sans-IO BGP state machine (RFC 4271 §8): states, the events that drive it and the actions it
// asks its driver to perform. Nothing here touches sockets, timers or the wall clock.
import type { BgpError } from '../wire/errors.js';
import type { NotificationMessage, OpenMessage, KeepaliveMessage, UpdateMessage, RouteRefreshMessage } from '../wire/types.js';
import type { NegotiatedSession } from './negotiate.js';

/** RFC 4271 §8.2.2: the six states. */
export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export const FSM_STATES: readonly FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** Opaque handle for one TCP connection (outgoing attempt or accepted socket). The driver maps it to a socket. */
export type ConnId = number;

/** The timers of RFC 4271 §8 (delayOpen runs only with the DelayOpen session attribute). */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold' | 'delayOpen';

/** Why we close a session with a Cease (RFC 4486 §4, RFC 8538, RFC 9003). */
export interface CeaseReason {
  readonly subcode: number;
  /** RFC 9003 shutdown communication (only sent with subcodes 2 and 4). */
  readonly communication?: string;
  /** Explicit data (e.g. RFC 4486 §4 max-prefix AFI/SAFI/limit); overrides `communication`. */
  readonly data?: Uint8Array;
}

/**
 * RFC 4271 §8.1 events, named as in the RFC. Event 20 (an OPEN while the DelayOpenTimer runs) is BGPOpen: the
 * machine knows whether its DelayOpenTimer is running.
 * Message events carry the connection they arrived on; the per-peer coordinator (peer-fsm.ts) routes them.
 */
export type FsmEvent =
  | { readonly type: 'ManualStart' } // 1
  | { readonly type: 'ManualStop'; readonly cease?: CeaseReason } // 2
  | { readonly type: 'AutomaticStart' } // 3
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  | { readonly type: 'AutomaticStop'; readonly cease?: CeaseReason } // 8
  | { readonly type: 'ConnectRetryTimer_Expires' } // 9
  | { readonly type: 'HoldTimer_Expires' } // 10
  | { readonly type: 'KeepaliveTimer_Expires' } // 11
  | { readonly type: 'DelayOpenTimer_Expires' } // 12
  | { readonly type: 'IdleHoldTimer_Expires' } // 13
  | { readonly type: 'TcpConnection_Valid'; readonly conn: ConnId } // 14
  | { readonly type: 'Tcp_CR_Invalid'; readonly conn: ConnId } // 15
  | { readonly type: 'Tcp_CR_Acked'; readonly conn: ConnId } // 16
  | { readonly type: 'TcpConnectionConfirmed'; readonly conn: ConnId } // 17
  | { readonly type: 'TcpConnectionFails'; readonly conn: ConnId } // 18
  | { readonly type: 'BGPOpen'; readonly conn: ConnId; readonly open: OpenMessage } // 19 (22 when it fails validation)
  | { readonly type: 'BGPHeaderErr'; readonly conn: ConnId; readonly error: BgpError } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly conn: ConnId; readonly error: BgpError } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  | { readonly type: 'NotifMsgVerErr'; readonly conn: ConnId; readonly notification: NotificationMessage } // 24
  | { readonly type: 'NotifMsg'; readonly conn: ConnId; readonly notification: NotificationMessage } // 25
  | { readonly type: 'KeepAliveMsg'; readonly conn: ConnId } // 26
  | { readonly type: 'UpdateMsg'; readonly conn: ConnId; readonly update?: UpdateMessage } // 27
  | { readonly type: 'UpdateMsgErr'; readonly conn: ConnId; readonly error: BgpError } // 28
  // RFC 2918 ROUTE-REFRESH is not an RFC 4271 event; it is valid only in Established (RFC 6608 §4 otherwise).
  | { readonly type: 'RouteRefreshMsg'; readonly conn: ConnId; readonly message?: RouteRefreshMessage };

export type FsmEventType = FsmEvent['type'];

/** Messages the FSM itself sends. UPDATEs and ROUTE-REFRESH are sent by the session, not the FSM. */
export type FsmMessage = OpenMessage | KeepaliveMessage | NotificationMessage;

/** Why an established session (or an attempt at one) ended. */
export interface DownReason {
  readonly event: FsmEventType;
  /** The NOTIFICATION we sent, if any. */
  readonly sent?: NotificationMessage;
  /** The NOTIFICATION we received, if any. */
  readonly received?: NotificationMessage;
  readonly description: string;
}

export type FsmAction =
  | { readonly type: 'send'; readonly conn: ConnId; readonly message: FsmMessage }
  /** Open a TCP connection to the peer; report the outcome as Tcp_CR_Acked / TcpConnectionFails with this id. */
  | { readonly type: 'connect'; readonly conn: ConnId }
  /** Close (after flushing what was sent before) the connection. */
  | { readonly type: 'close'; readonly conn: ConnId }
  | { readonly type: 'start-timer'; readonly timer: string; readonly ms: number }
  | { readonly type: 'stop-timer'; readonly timer: string }
  | { readonly type: 'established'; readonly conn: ConnId; readonly negotiated: NegotiatedSession }
  | { readonly type: 'down'; readonly reason: DownReason }
  | { readonly type: 'state'; readonly from: FsmState; readonly to: FsmState; readonly event: FsmEventType; readonly reason?: string };

/** Injected time and randomness: the FSM never reads the wall clock or Math.random itself. */
export interface FsmEnvironment {
  /** Milliseconds on any monotonic scale. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}
