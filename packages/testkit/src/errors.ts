/** Base class of every error the testkit throws, so callers can tell harness failures from assertion failures. */
export class TestkitError extends Error {
  override name = 'TestkitError';
}

/** The machine lacks something a test needs (root, `ip netns`, gobgpd). The message says how to fix it. */
export class PrerequisiteError extends TestkitError {
  override name = 'PrerequisiteError';
}

/** A command exited non-zero, was killed, or timed out. Carries everything needed to diagnose it. */
export class CommandError extends TestkitError {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** `waitFor` gave up. `what` names the awaited condition; `last` is the last value or error the probe produced. */
export class WaitTimeoutError extends TestkitError {
  override name = 'WaitTimeoutError';
  constructor(
    message: string,
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(message);
  }
}

/** gobgpd failed to start, exited, or its CLI failed. The message includes the tail of gobgpd's log. */
export class GobgpdError extends TestkitError {
  override name = 'GobgpdError';
}
