/** A bad flag or flag value: the CLI prints it and exits with EXIT_USAGE. The message names the flag and value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly flag: string,
    readonly value: string | undefined,
    reason: string,
  ) {
    super(value === undefined ? `--${flag}: ${reason}` : `--${flag}=${JSON.stringify(value)}: ${reason}`);
  }
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
