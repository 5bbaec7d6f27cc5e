/**
 * The policy rules kroute owns: `from <podCIDR> lookup 77`, one per pod CIDR and family, while overlay is on
 * (kube-router's PBR.Enable, reference §1.9). Pure.
 * @packageDocumentation
 */
import { FR_ACT_TO_TBL } from '../netlink/constants.js';
import { ipFamily, type IpFamily } from '../netlink/ip.js';
import type { DecodedRule, Rule } from '../netlink/rule.js';
import { TUNNEL_TABLE } from './kernel-routes.js';
import { canonicalPrefix } from './prefix.js';

/** A rule reduced to what kroute decides. */
export interface KernelRule {
  readonly family: IpFamily;
  /** Canonical source prefix. */
  readonly from: string;
  /** Present for rules read from the kernel (the kernel assigns one when we add without). */
  readonly priority?: number;
}

export function ruleKey(rule: { family: IpFamily; from: string }): string {
  return `${rule.family}|${rule.from}`;
}

/** The rules that should exist: one per distinct pod CIDR when overlay is on, none otherwise. */
export function desiredRules(podCidrs: readonly string[], overlayEnabled: boolean): KernelRule[] {
  if (!overlayEnabled) return [];
  const out = new Map<string, KernelRule>();
  for (const cidr of podCidrs) {
    const from = canonicalPrefix(cidr);
    const rule = { family: ipFamily(from), from };
    out.set(ruleKey(rule), rule);
  }
  return [...out.values()];
}

/**
 * True for a kernel rule of the shape kroute creates: lookup 77 from a prefix, with no other selector. Rules for
 * table 77 with other selectors were made by someone else and are left alone.
 */
export function isOwnedRule(r: DecodedRule): boolean {
  return (
    r.table === TUNNEL_TABLE &&
    r.action === FR_ACT_TO_TBL &&
    r.from !== undefined &&
    r.to === undefined &&
    r.iifname === undefined &&
    r.oifname === undefined &&
    r.fwmark === undefined &&
    (r.tos ?? 0) === 0
  );
}

export function normalizeKernelRule(r: DecodedRule): KernelRule {
  return { family: r.family, from: r.from!, ...(r.priority !== undefined ? { priority: r.priority } : {}) };
}

/** The rtnetlink rule: added without a priority, as kube-router does (the kernel picks one below main's). */
export function toNetlinkRule(r: KernelRule): Rule {
  return { family: r.family, from: r.from, table: TUNNEL_TABLE, ...(r.priority !== undefined ? { priority: r.priority } : {}) };
}
