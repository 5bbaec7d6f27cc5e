// RFC 7606 classification of UPDATE attribute errors. An attribute decoder only says *what* is wrong (flags,
// length, value) and the RFC 4271 subcode it would have had; this file decides *how* it is handled:
// session reset (thrown BgpError), treat-as-withdraw, or attribute discard.
import { AttrType, ErrorCode, UpdateErrorSubcode } from './constants.js';
import { BgpError } from './errors.js';
import type { AttributeError, AttributeErrorAction } from './types.js';

export type ErrorHandling = 'session-reset' | AttributeErrorAction;

/** What kind of fault an attribute has; the classification below maps (attribute, fault) to an action. */
export type AttributeFault = 'flags' | 'malformed';

/** RFC 7606 §7 (and RFC 6793 §6 for AS4_*): the action for a malformed attribute value or length. */
const MALFORMED_HANDLING: Readonly<Record<number, ErrorHandling>> = {
  [AttrType.ORIGIN]: 'treat-as-withdraw', // §7.1
  [AttrType.AS_PATH]: 'treat-as-withdraw', // §7.2
  [AttrType.NEXT_HOP]: 'treat-as-withdraw', // §7.3
  [AttrType.MULTI_EXIT_DISC]: 'treat-as-withdraw', // §7.4
  [AttrType.LOCAL_PREF]: 'treat-as-withdraw', // §7.5
  [AttrType.ATOMIC_AGGREGATE]: 'attribute-discard', // §7.6
  [AttrType.AGGREGATOR]: 'attribute-discard', // §7.7
  [AttrType.COMMUNITIES]: 'treat-as-withdraw', // §7.8
  [AttrType.ORIGINATOR_ID]: 'treat-as-withdraw', // §7.9 (iBGP; from eBGP the session discards it)
  [AttrType.CLUSTER_LIST]: 'treat-as-withdraw', // §7.10
  [AttrType.MP_REACH_NLRI]: 'session-reset', // §7.11, §5.3: the NLRI cannot be located reliably
  [AttrType.MP_UNREACH_NLRI]: 'session-reset', // §7.12, §5.3
  [AttrType.EXTENDED_COMMUNITIES]: 'treat-as-withdraw', // §7.14
  [AttrType.AS4_PATH]: 'attribute-discard', // RFC 6793 §6
  [AttrType.AS4_AGGREGATOR]: 'attribute-discard', // RFC 6793 §6
  [AttrType.LARGE_COMMUNITY]: 'treat-as-withdraw', // RFC 8092 §6
};

/**
 * RFC 7606 §3 (c): wrong Optional/Transitive bits make the attribute malformed and treat-as-withdraw applies,
 * unless the attribute's own specification says otherwise: MP_REACH/MP_UNREACH reset the session (§5.3, the NLRI
 * cannot be trusted) and RFC 6793 §6 discards a malformed AS4_PATH / AS4_AGGREGATOR whatever is wrong with it.
 */
export function classifyAttributeError(typeCode: number, fault: AttributeFault): ErrorHandling {
  if (fault === 'flags') {
    if (typeCode === AttrType.MP_REACH_NLRI || typeCode === AttrType.MP_UNREACH_NLRI) return 'session-reset';
    if (typeCode === AttrType.AS4_PATH || typeCode === AttrType.AS4_AGGREGATOR) return 'attribute-discard';
    return 'treat-as-withdraw';
  }
  return MALFORMED_HANDLING[typeCode] ?? 'treat-as-withdraw';
}

/**
 * Collects the non-fatal errors of one UPDATE and throws the fatal ones. RFC 7606 §3 (h): when several errors
 * occur, the strongest action wins, so a session reset anywhere throws even after softer errors were recorded.
 */
export class AttributeErrorLog {
  errors: AttributeError[] | undefined = undefined;
  treatAsWithdraw = false;

  /**
   * Handles one error. `data` is the NOTIFICATION data should the error reset the session: RFC 4271 §6.3 wants
   * the erroneous attribute (flags, type, length and value) for most subcodes.
   */
  report(typeCode: number, handling: ErrorHandling, subcode: number, reason: string, data?: Uint8Array): void {
    if (handling === 'session-reset') {
      throw new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, reason, data ?? new Uint8Array(0));
    }
    if (handling === 'treat-as-withdraw') this.treatAsWithdraw = true;
    (this.errors ??= []).push({ typeCode, action: handling, subcode, reason });
  }
}

/** Under RFC 4271 a flags error is 3/4 (§6.3) and a length error 3/5; kept for logs and counters. */
export const FLAGS_ERROR = UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR;
export const LENGTH_ERROR = UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR;
