const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;
let cleanupAllSync: () => void = () => undefined;

/** Named, so it can remove itself before re-raising. */
function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync();
  // If nobody else handles the signal, die of it as we would have without this handler (exit status 128+n).
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

/**
 * Makes sure labs are cleaned up however this process ends:
 * - normal exit, `process.exit()`, and a crash on an uncaught exception or unhandled rejection all emit 'exit';
 * - SIGINT, SIGTERM and SIGHUP would kill the process without 'exit', so they get handlers;
 * - SIGKILL cannot be caught: the next `Lab.create` sweeps namespaces whose owning pid is dead.
 * We deliberately do not hook 'uncaughtException': mocha catches those, fails the test and carries on, and the
 * suite's `after` hooks clean up then.
 */
export function installExitHooks(cleanupAll: () => void): void {
  if (installed) return;
  installed = true;
  cleanupAllSync = cleanupAll;
  process.on('exit', () => cleanupAllSync());
  for (const s of SIGNALS) process.on(s, onSignal);
}
