/**
 * FIB rules (policy routing): RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE (struct fib_rule_hdr + FRA_*), e.g.
 * `ip rule add from 10.244.0.0/24 lookup 77`.
 * @packageDocumentation
 */
import { AF_INET, FIB_RULE_HDR_LEN, FRA_DST, FRA_FWMARK, FRA_FWMASK, FRA_IIFNAME, FRA_OIFNAME, FRA_PRIORITY, FRA_SRC, FRA_TABLE, FR_ACT_TO_TBL, FR_ACT_UNSPEC, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, RT_TABLE_MAX_IN_HEADER, RT_TABLE_UNSPEC } from './constants.js';
import { anyAddress, ipFamily, parsePrefix, type IpFamily } from './ip.js';
import { attrAddress, attrString, attrU32, parseAttributes } from './reader.js';
import { CHANGE_FLAGS, DUMP_FLAGS, makeRequest, newFlags, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** A routing policy rule. */
export interface Rule {
  /** AF_INET or AF_INET6; inferred from `from`/`to` when omitted (required when neither is set). */
  family?: IpFamily;
  /** Source prefix (`from`). */
  from?: string;
  /** Destination prefix (`to`). */
  to?: string;
  /** Table to look up (`lookup N`). */
  table?: number;
  /** Rule priority (`priority N`); the kernel assigns one when omitted. */
  priority?: number;
  /** FR_ACT_*; default FR_ACT_TO_TBL on add, unspecified (wildcard) on delete. */
  action?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  flags?: number;
}

/** A rule as the kernel reports it. */
export interface DecodedRule extends Rule {
  family: IpFamily;
  table: number;
  action: number;
}

function ruleFamily(rule: Rule): IpFamily {
  if (rule.family !== undefined) return rule.family;
  const prefix = rule.from ?? rule.to;
  if (prefix === undefined) throw new TypeError('rule: family is required when neither from nor to is set');
  return ipFamily(prefix);
}

/**
 * Writes a complete rule message. Order follows iproute2's `ip rule add priority P from S to D lookup T`:
 * PRIORITY, SRC, DST, (IIFNAME, OIFNAME, FWMARK), TABLE (only for ids above 255, else the header's byte).
 */
export function encodeRuleMessage(w: NetlinkWriter, type: number, flags: number, rule: Rule, seq = 0): void {
  const from = rule.from !== undefined ? parsePrefix(rule.from) : undefined;
  const to = rule.to !== undefined ? parsePrefix(rule.to) : undefined;
  const table = rule.table ?? RT_TABLE_UNSPEC;
  w.beginMessage(type, flags, seq);
  w.u8(ruleFamily(rule));
  w.u8(to?.length ?? 0);
  w.u8(from?.length ?? 0);
  w.u8(rule.tos ?? 0);
  w.u8(table > RT_TABLE_MAX_IN_HEADER ? RT_TABLE_UNSPEC : table);
  w.u8(0); // res1
  w.u8(0); // res2
  w.u8(rule.action ?? (type === RTM_NEWRULE ? FR_ACT_TO_TBL : FR_ACT_UNSPEC));
  w.u32(rule.flags ?? 0);
  if (rule.priority !== undefined) w.attrU32(FRA_PRIORITY, rule.priority);
  if (from && from.length > 0) w.attrAddress(FRA_SRC, from.address);
  if (to && to.length > 0) w.attrAddress(FRA_DST, to.address);
  if (rule.iifname !== undefined) w.attrString(FRA_IIFNAME, rule.iifname);
  if (rule.oifname !== undefined) w.attrString(FRA_OIFNAME, rule.oifname);
  if (rule.fwmark !== undefined) w.attrU32(FRA_FWMARK, rule.fwmark);
  if (rule.fwmask !== undefined) w.attrU32(FRA_FWMASK, rule.fwmask);
  if (table > RT_TABLE_MAX_IN_HEADER) w.attrU32(FRA_TABLE, table);
  w.endMessage();
}

/** Decodes the payload of an RTM_NEWRULE / RTM_DELRULE message. */
export function decodeRule(payload: Buffer): DecodedRule {
  const family = payload[0] as IpFamily;
  const attrs = parseAttributes(payload, FIB_RULE_HDR_LEN);
  const rule: DecodedRule = {
    family,
    table: attrU32(attrs, FRA_TABLE) ?? payload[4]!,
    action: payload[7]!,
    tos: payload[3]!,
    flags: payload.readUInt32LE(8),
  };
  const dstLen = payload[1]!;
  const srcLen = payload[2]!;
  if (srcLen > 0) rule.from = `${attrAddress(attrs, FRA_SRC) ?? anyAddress(family)}/${srcLen}`;
  if (dstLen > 0) rule.to = `${attrAddress(attrs, FRA_DST) ?? anyAddress(family)}/${dstLen}`;
  const priority = attrU32(attrs, FRA_PRIORITY);
  if (priority !== undefined) rule.priority = priority;
  const iif = attrString(attrs, FRA_IIFNAME);
  if (iif !== undefined) rule.iifname = iif;
  const oif = attrString(attrs, FRA_OIFNAME);
  if (oif !== undefined) rule.oifname = oif;
  const fwmark = attrU32(attrs, FRA_FWMARK);
  if (fwmark !== undefined) rule.fwmark = fwmark;
  const fwmask = attrU32(attrs, FRA_FWMASK);
  if (fwmask !== undefined) rule.fwmask = fwmask;
  return rule;
}

/** `add rule from 10.244.0.0/24 lookup 77`. */
export function describeRule(verb: string, rule: Rule): string {
  let text = `${verb} rule`;
  if (rule.priority !== undefined) text += ` priority ${rule.priority}`;
  text += ` from ${rule.from ?? 'all'}`;
  if (rule.to !== undefined) text += ` to ${rule.to}`;
  if (rule.table !== undefined) text += ` lookup ${rule.table}`;
  return text;
}

/** A request to add a rule (the kernel rejects an exact duplicate with EEXIST). */
export function newRuleRequest(rule: Rule): NetlinkRequest {
  const flags = newFlags('add');
  return makeRequest(describeRule('add', rule), false, (w, seq) => encodeRuleMessage(w, RTM_NEWRULE, flags, rule, seq));
}

/** A request to delete the first rule matching the given fields. */
export function deleteRuleRequest(rule: Rule): NetlinkRequest {
  return makeRequest(describeRule('delete', rule), false, (w, seq) => encodeRuleMessage(w, RTM_DELRULE, CHANGE_FLAGS, rule, seq));
}

/** A dump of every rule of `family`. */
export function dumpRulesRequest(family: IpFamily): NetlinkRequest {
  return makeRequest(`dump ${family === AF_INET ? 'IPv4' : 'IPv6'} rules`, true, (w, seq) => {
    w.beginMessage(RTM_GETRULE, DUMP_FLAGS, seq);
    w.u8(family);
    w.zeros(FIB_RULE_HDR_LEN - 1);
    w.endMessage();
  });
}
