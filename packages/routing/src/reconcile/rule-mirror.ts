/**
 * The owned `from <prefix> lookup 77` rules as last seen (dump, our ACKs, notifications), and the pure rule diff.
 * The kernel numbers a rule added without a priority itself; until its notification arrives we hold it without one.
 * @packageDocumentation
 */
import type { RtnlAction } from '../netlink/monitor.js';
import { ruleKey, type KernelRule } from '../plan/rules.js';

export class RuleMirror {
  private readonly byKey = new Map<string, KernelRule[]>();

  reset(rules: Iterable<KernelRule>): void {
    this.byKey.clear();
    for (const r of rules) this.list(ruleKey(r)).push(r);
  }

  get(key: string): readonly KernelRule[] {
    return this.byKey.get(key) ?? [];
  }

  entries(): IterableIterator<[string, KernelRule[]]> {
    return this.byKey.entries();
  }

  clear(): void {
    this.byKey.clear();
  }

  /** A notification: the rule with this priority (or our not-yet-numbered copy) appeared or went. */
  apply(action: RtnlAction, rule: KernelRule): void {
    const key = ruleKey(rule);
    const list = this.list(key);
    const i = list.findIndex((x) => x.priority === rule.priority || x.priority === undefined);
    if (action === 'new') {
      if (i >= 0) list[i] = rule;
      else list.push(rule);
    } else if (i >= 0) {
      list.splice(i, 1);
    }
    this.prune(key);
  }

  /** Our add was acknowledged (its notification may already have recorded it with its priority). */
  added(rule: KernelRule): void {
    const key = ruleKey(rule);
    const list = this.list(key);
    if (list.length === 0) list.push(rule);
  }

  /** Our delete was acknowledged (or the rule was already gone). */
  deleted(rule: KernelRule): void {
    const key = ruleKey(rule);
    const list = this.list(key);
    const i = list.findIndex((x) => x.priority === rule.priority);
    if (i >= 0) list.splice(i, 1);
    this.prune(key);
  }

  private list(key: string): KernelRule[] {
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    return list;
  }

  private prune(key: string): void {
    if (this.byKey.get(key)?.length === 0) this.byKey.delete(key);
  }
}

/**
 * What to change so that the owned rules are `want`: missing ones added, duplicates deleted, and (unless sweeping
 * is held) rules for prefixes no longer wanted deleted.
 */
export function diffRules(want: readonly KernelRule[], mirror: RuleMirror, mayDelete: boolean): { adds: KernelRule[]; dels: KernelRule[] } {
  const wanted = new Set(want.map(ruleKey));
  const adds: KernelRule[] = [];
  const dels: KernelRule[] = [];
  for (const r of want) {
    const have = mirror.get(ruleKey(r));
    if (have.length === 0) adds.push(r);
    else dels.push(...have.slice(1));
  }
  if (mayDelete) for (const [key, list] of mirror.entries()) if (!wanted.has(key)) dels.push(...list);
  return { adds, dels };
}
