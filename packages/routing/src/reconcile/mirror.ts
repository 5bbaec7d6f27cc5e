/**
 * The reconciler's copy of the owned kernel routes, keyed by (table, destination): filled by a dump, kept current by
 * our own ACKs and by netlink notifications, rebuilt after an overflow.
 * @packageDocumentation
 */
import { keyOf, sameRoute, type KernelRoute } from '../plan/kernel-routes.js';

function identical(a: KernelRoute, b: KernelRoute): boolean {
  return a.oif === b.oif && sameRoute(a, b);
}

export class RouteMirror {
  private readonly byKey = new Map<string, KernelRoute[]>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): readonly KernelRoute[] {
    return this.byKey.get(key) ?? [];
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  entries(): IterableIterator<[string, KernelRoute[]]> {
    return this.byKey.entries();
  }

  /** Replaces everything with a dump's result. */
  reset(routes: Iterable<KernelRoute>): void {
    this.byKey.clear();
    for (const r of routes) this.upsert(r);
  }

  /**
   * Records a route present in the kernel (it takes the place of any route in the same metric/tos slot); false when
   * the mirror already had exactly this route.
   */
  upsert(route: KernelRoute): boolean {
    const key = keyOf(route);
    const list = this.byKey.get(key);
    if (!list) {
      this.byKey.set(key, [route]);
      return true;
    }
    const i = list.findIndex((r) => r.priority === route.priority && r.tos === route.tos);
    if (i < 0) {
      list.push(route);
      return true;
    }
    if (identical(list[i]!, route)) return false;
    list[i] = route;
    return true;
  }

  /** Records that the route in this slot is gone; false when the mirror did not have it. */
  remove(route: KernelRoute): boolean {
    const key = keyOf(route);
    const list = this.byKey.get(key);
    if (!list) return false;
    const i = list.findIndex((r) => r.priority === route.priority && r.tos === route.tos);
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.byKey.delete(key);
    return true;
  }

  clear(): void {
    this.byKey.clear();
  }
}
