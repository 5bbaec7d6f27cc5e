import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { shellQuote } from './guest.js';

export interface MochaInVmOptions {
  /** Compiled test files (absolute host paths, or relative to `cwd`). */
  files: readonly string[];
  /** Working directory inside the VM (a host path; readable there). */
  cwd: string;
  /** Per-test mocha timeout; tests are slower under TCG than on the host. Default 60 s. */
  testTimeoutMs?: number;
  /** Only tests whose title matches (mocha --grep). */
  grep?: string;
}

export const DEFAULT_MOCHA_TEST_TIMEOUT_MS = 60_000;

/** The workspace's own mocha, resolved on the host; the same path is readable inside the VM. */
export function mochaBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mocha/package.json')), 'bin', 'mocha.js');
}

/**
 * A bash script for runInVm() that runs the given mocha files inside the VM with the host's node and mocha.
 * `--no-config`/`--no-package`: a package's .mocharc would add its whole spec (every test) to the given files.
 * The script's exit status is mocha's (the number of failures, capped by mocha at 255).
 */
export function mochaInVmScript(opts: MochaInVmOptions): string {
  const args = [
    'node',
    mochaBin(),
    '--no-config',
    '--no-package',
    '--reporter',
    'spec',
    '--timeout',
    String(opts.testTimeoutMs ?? DEFAULT_MOCHA_TEST_TIMEOUT_MS),
    ...(opts.grep === undefined ? [] : ['--grep', opts.grep]),
    ...opts.files,
  ];
  return `cd ${shellQuote(opts.cwd)} || exit 125\nexec ${args.map(shellQuote).join(' ')}\n`;
}
