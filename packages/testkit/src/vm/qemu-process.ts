import { spawn, type ChildProcess } from 'node:child_process';
import { QEMU_BINARY } from './qemu.js';

/** Console bytes kept for error messages: enough for a panic trace, bounded for a chatty guest. */
const CONSOLE_KEEP_BYTES = 64 * 1024;

const liveQemus = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test process that exits (mocha done, or killed by its own timeout) must not leave VMs spinning on the CPUs. */
function trackQemu(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const qemu of liveQemus) qemu.kill('SIGKILL');
    });
  }
  liveQemus.add(child);
  child.on('close', () => liveQemus.delete(child));
}

// eslint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\x1b(?:\[[0-9;?]*[A-Za-z]|c)/g;

function cleanConsole(raw: string): string {
  return raw.replace(ANSI_ESCAPES, '').replace(/\r/g, '');
}

export type QemuOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; console: string }
  | { kind: 'timeout'; console: string }
  | { kind: 'spawn-failed'; error: Error };

export function runQemu(args: string[], timeoutMs: number): Promise<QemuOutcome> {
  return new Promise((resolve) => {
    // setpriv --pdeathsig: if this process dies by a signal (no 'exit' event), the kernel still kills qemu.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', QEMU_BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    trackQemu(child);
    let console = '';
    const keep = (chunk: Buffer) => {
      console += chunk.toString('utf8');
      if (console.length > CONSOLE_KEEP_BYTES * 2) console = console.slice(-CONSOLE_KEEP_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'spawn-failed', error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = cleanConsole(console);
      resolve(timedOut ? { kind: 'timeout', console: text } : { kind: 'exited', code, signal, console: text });
    });
  });
}

