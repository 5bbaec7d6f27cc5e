// One kernel counter read inside a test namespace, for tests that compare a counter before and after an event.
import type { Netns } from '@kroute/testkit';

/** One absolute kernel counter in `ns` (via testkit's ns.nstat); throws when the kernel has no such counter. */
export async function kernelCounter(ns: Netns, counter: string): Promise<number> {
  const value = (await ns.nstat(counter))[counter];
  if (value === undefined) throw new Error(`nstat in ${ns.name} has no counter ${counter}`);
  return value;
}
