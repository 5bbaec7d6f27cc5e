/**
 * Kernel errors as typed values: NLMSG_ERROR decoding (with extended ACK) and {@link NetlinkError}.
 * @packageDocumentation
 */
import { getSystemErrorMap } from 'node:util';
import { NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED } from './constants.js';
import { attrString, attrU32, parseAttributes } from './reader.js';

/** glibc's strerror() text where libuv's wording differs, so messages read like iproute2's. */
const STRERROR_OVERRIDES: Record<string, string> = {
  EEXIST: 'File exists',
  ESRCH: 'No such process',
  EOPNOTSUPP: 'Operation not supported',
  ENODEV: 'No such device',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENOBUFS: 'No buffer space available',
  EPERM: 'Operation not permitted',
  ENOTSUP: 'Operation not supported',
  ERANGE: 'Numerical result out of range',
  EBUSY: 'Device or resource busy',
  EHOSTUNREACH: 'No route to host',
  ENOMEM: 'Cannot allocate memory',
  EAGAIN: 'Resource temporarily unavailable',
  EPROTONOSUPPORT: 'Protocol not supported',
  EMSGSIZE: 'Message too long',
};

/** Linux's own names where libuv picks an alias (95 is EOPNOTSUPP to the kernel and iproute2, ENOTSUP to libuv). */
const LINUX_ERRNO_NAMES: Record<number, string> = { 95: 'EOPNOTSUPP' };

/** The symbolic name of a positive errno, e.g. 101 → `ENETUNREACH`. */
export function errnoName(errno: number): string {
  const linux = LINUX_ERRNO_NAMES[errno];
  if (linux) return linux;
  const entry = getSystemErrorMap().get(-errno);
  return entry ? entry[0] : `E${errno}`;
}

/** The human text of a positive errno, as strerror() gives it, e.g. `Network is unreachable`. */
export function errnoMessage(errno: number): string {
  const name = errnoName(errno);
  const override = STRERROR_OVERRIDES[name];
  if (override) return override;
  const entry = getSystemErrorMap().get(-errno);
  if (!entry) return `Unknown error ${errno}`;
  const text = entry[1];
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A kernel error for one netlink request. */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** The positive errno, e.g. 101. */
  readonly errno: number;
  /** Its symbolic name, e.g. `ENETUNREACH`. */
  readonly code: string;
  /** What was attempted, e.g. `add route 10.244.3.0/24 via 10.0.0.3`. */
  readonly operation: string;
  /** The kernel's extended-ACK message, when it sent one. */
  readonly kernelMessage: string | undefined;

  constructor(operation: string, errno: number, kernelMessage?: string) {
    const code = errnoName(errno);
    const detail = kernelMessage ? ` [kernel: ${kernelMessage}]` : '';
    super(`${operation}: ${errnoMessage(errno)} (${code})${detail}`);
    this.errno = errno;
    this.code = code;
    this.operation = operation;
    this.kernelMessage = kernelMessage;
  }
}

/** The decoded body of an NLMSG_ERROR message (an ACK when `errno` is 0). */
export interface NetlinkAck {
  /** 0 for success, else the positive errno. */
  errno: number;
  /** nlmsg_seq of the request this answers. */
  requestSeq: number;
  /** nlmsg_type of the request this answers. */
  requestType: number;
  /** Extended-ACK message text (NLMSGERR_ATTR_MSG). */
  kernelMessage?: string;
  /** Offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  badAttributeOffset?: number;
}

const NLMSGERR_ERROR_LEN = 4;

/**
 * Decodes struct nlmsgerr: the error code, the echoed request header, then (with NLM_F_ACK_TLVS) extended-ACK
 * attributes after the echoed request (whole request unless NLM_F_CAPPED says only its header was echoed).
 */
export function decodeAck(payload: Buffer, flags: number): NetlinkAck {
  const error = payload.readInt32LE(0);
  const hdr = NLMSGERR_ERROR_LEN;
  const echoedLen = payload.length >= hdr + NLMSG_HDRLEN ? payload.readUInt32LE(hdr) : NLMSG_HDRLEN;
  const ack: NetlinkAck = {
    errno: -error,
    requestType: payload.length >= hdr + 6 ? payload.readUInt16LE(hdr + 4) : 0,
    requestSeq: payload.length >= hdr + 12 ? payload.readUInt32LE(hdr + 8) : 0,
  };
  if (flags & NLM_F_ACK_TLVS) {
    const tlvStart = hdr + (flags & NLM_F_CAPPED ? NLMSG_HDRLEN : echoedLen);
    if (tlvStart < payload.length) {
      const attrs = parseAttributes(payload, tlvStart);
      const text = attrString(attrs, NLMSGERR_ATTR_MSG);
      if (text) ack.kernelMessage = text;
      const offs = attrU32(attrs, NLMSGERR_ATTR_OFFS);
      if (offs !== undefined) ack.badAttributeOffset = offs;
    }
  }
  return ack;
}
