/**
 * Runs async jobs one at a time. A backend's ensure/sweep/cleanup each read the kernel and then change it; two of
 * them interleaved (the reconciler may call ensure for many next hops at once) would both see a missing link or FOU
 * port and both try to create it.
 * @packageDocumentation
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
