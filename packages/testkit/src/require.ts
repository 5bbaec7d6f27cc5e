import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runSync } from './exec.js';
import { PrerequisiteError } from './errors.js';

const SETUP_HINT = 'run `bash scripts/setup-machine.sh` as root on a Debian machine';

/** Finds an executable on PATH, like `command -v`. */
export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

let netnsChecked = false;

/**
 * Throws a clear {@link PrerequisiteError} unless the process runs as root with `ip netns` available.
 * Tests call it in `before`, so a machine that cannot run them fails loudly instead of skipping.
 */
export function requireNetns(): void {
  if (netnsChecked) return;
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new PrerequisiteError(
      `network-namespace tests need root, but this process runs as uid ${uid ?? 'unknown'}: run the tests as root`,
    );
  }
  if (!which('ip')) throw new PrerequisiteError(`\`ip\` (iproute2) is not on PATH: ${SETUP_HINT}`);
  const list = runSync('ip', ['netns', 'list']);
  if (list.code !== 0) {
    throw new PrerequisiteError(`\`ip netns list\` failed (exit ${list.code}): ${list.stderr.trim()}`);
  }
  netnsChecked = true;
}

/** Throws a clear {@link PrerequisiteError} unless `gobgpd` and `gobgp` are on PATH. */
export function requireGobgpd(): void {
  const missing = ['gobgpd', 'gobgp'].filter((p) => !which(p));
  if (missing.length > 0) {
    throw new PrerequisiteError(`${missing.join(' and ')} not on PATH (Debian package gobgpd): ${SETUP_HINT}`);
  }
}
