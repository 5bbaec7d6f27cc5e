// A small leveled logger: one line per event, klog-like verbosity (-v).
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  /** Shown with -v 2 or more. */
  debug(msg: string): void;
}

export function consoleLogger(verbosity: number, prefix = '', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const line = (level: string, msg: string) => write(`${new Date().toISOString()} ${level} ${prefix}${msg}`);
  return {
    error: (m) => line('E', m),
    warn: (m) => line('W', m),
    info: (m) => line('I', m),
    debug: (m) => { if (verbosity >= 2) line('D', m); },
  };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
