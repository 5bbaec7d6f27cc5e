/** Base class of every error the VM harness throws, so callers can tell harness failures from test failures. */
export class VmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad argument to the harness itself (for example an environment variable name the shell cannot export). */
export class VmUsageError extends VmError {}

/** A host command the harness depends on failed; carries the command line, its exit status and its stderr. */
export class VmCommandError extends VmError {
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    const status = signal !== null ? `signal ${signal}` : `exit ${exitCode ?? 'unknown'}`;
    const detail = stderr.trim() === '' ? '' : `: ${lastLines(stderr, STDERR_LINES_SHOWN)}`;
    super(`${command.join(' ')} failed (${status})${detail}`, options);
  }
}

/** Building the cached kernel + initrd failed at the named step. */
export class VmSetupError extends VmError {
  constructor(readonly step: string, cause: unknown) {
    super(`kroute VM set-up failed while trying to ${step}: ${describe(cause)}`, { cause });
  }
}

/** qemu could not be started at all on this machine (missing binary, bad option, no memory, ...). */
export class VmStartError extends VmError {}

/** The VM ended without the guest script reporting an exit status: it did not boot, or it crashed. */
export class VmBootError extends VmError {
  constructor(message: string, readonly consoleTail: string, readonly outputTail: string) {
    super(`${message}\n${formatTails(consoleTail, outputTail)}`);
  }
}

/** The guest script did not finish within the time limit; qemu was killed. */
export class VmTimeoutError extends VmError {
  constructor(readonly timeoutMs: number, readonly consoleTail: string, readonly outputTail: string) {
    super(`kroute VM did not finish within ${timeoutMs} ms; qemu was killed\n${formatTails(consoleTail, outputTail)}`);
  }
}

const STDERR_LINES_SHOWN = 20;

function formatTails(consoleTail: string, outputTail: string): string {
  const console = consoleTail.trim() === '' ? '(empty)' : consoleTail.trimEnd();
  const output = outputTail.trim() === '' ? '(empty)' : outputTail.trimEnd();
  return `--- VM console (tail) ---\n${console}\n--- script output (tail) ---\n${output}`;
}

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
