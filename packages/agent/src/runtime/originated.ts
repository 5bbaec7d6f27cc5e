// What this node originates (pod CIDRs and service VIPs), kept as a keyed set so each sync sends only the difference.
import type { OriginatePath } from '@kroute/bgp';

export interface OriginatedDiff {
  readonly add: OriginatePath[];
  readonly remove: string[];
}

export class OriginatedSet {
  private readonly current = new Map<string, string>();

  /** Replaces the wanted set; returns what to originate (new or changed) and what to withdraw. */
  diff(wanted: readonly OriginatePath[]): OriginatedDiff {
    const next = new Map(wanted.map((p) => [p.prefix, JSON.stringify(p)] as const));
    const add: OriginatePath[] = [];
    for (const p of wanted) if (this.current.get(p.prefix) !== next.get(p.prefix)) add.push(p);
    const remove = [...this.current.keys()].filter((k) => !next.has(k));
    this.current.clear();
    for (const [k, v] of next) this.current.set(k, v);
    return { add, remove };
  }

  has(prefix: string): boolean {
    return this.current.has(prefix);
  }

  prefixes(): string[] {
    return [...this.current.keys()];
  }

  clear(): void {
    this.current.clear();
  }
}
