import { spawn } from 'node:child_process';
import { CommandError, TestkitError } from './errors.js';
import { run, type ExecResult } from './exec.js';
import { TrackedProcess, type ManagedProcess } from './process.js';

/** Options of {@link Netns.exec}. */
export interface NetnsExecOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Return a non-zero exit status instead of throwing a {@link CommandError}. */
  allowFail?: boolean;
  /** SIGKILL the command and throw after this long (default 30 s). */
  timeoutMs?: number;
}

/** Options of {@link Netns.spawn}. */
export interface NetnsSpawnOptions {
  /** Environment of the process (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Open a Node IPC channel (`child.send()` / `process.on('message')`); the command must be `node`. */
  ipc?: boolean;
  /** Also append stdout and stderr to this file. */
  logFile?: string;
}

/** A network namespace owned by a {@link Lab}. */
export interface Netns {
  /** The full namespace name, as `ip netns` knows it: `<lab id>-<label>`. */
  readonly name: string;
  /** The short name the test gave to {@link Lab.netns}. */
  readonly label: string;
  /** Runs a command inside the namespace to completion; throws {@link CommandError} on non-zero exit unless `allowFail`. */
  exec(cmd: string, args: string[], opts?: NetnsExecOptions): Promise<ExecResult>;
  /** Runs `ip -n <ns> ...args` and returns stdout; throws with ip's stderr on failure. */
  ip(...args: string[]): Promise<string>;
  /**
   * Starts a long-running process inside the namespace (via `ip netns exec`); the Lab stops it on cleanup.
   * For the first few milliseconds `pid` is still `ip` in the host namespace, until it has switched namespace and
   * exec'd the command: wait for output or an IPC message before inspecting the process from outside.
   */
  spawn(cmd: string, args: string[], opts?: NetnsSpawnOptions): ManagedProcess;
  /** A path in the owning lab's temp directory (removed on cleanup), for configs and logs. */
  file(name: string): string;
  /**
   * The namespace's kernel SNMP/netstat counters (`nstat -asz`), absolute values, e.g.
   * `nstat('TcpExtTCPMD5Failure', 'TcpExtTCPMinTTLDrop')`. Patterns may use nstat's `*` wildcard; no pattern: all.
   */
  nstat(...patterns: string[]): Promise<Record<string, number>>;
  /** Sets a sysctl inside the namespace (`net.*` keys are per namespace), e.g. `sysctl('net.ipv4.ip_forward', '1')`. */
  sysctl(key: string, value: string): Promise<void>;
}

/** What a namespace needs from its lab: a place to register processes, and a liveness check. */
export interface NetnsOwner {
  track(process: TrackedProcess): void;
  file(name: string): string;
  assertOpen(action: string): void;
}

export class LabNetns implements Netns {
  /** Interfaces created in this namespace so far; default veth names are eth0, eth1, ... like a real host. */
  ifCount = 0;

  constructor(
    readonly name: string,
    readonly label: string,
    private readonly owner: NetnsOwner,
  ) {}

  exec(cmd: string, args: string[], opts: NetnsExecOptions = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  async ip(...args: string[]): Promise<string> {
    return (await run('ip', ['-n', this.name, ...args])).stdout;
  }

  spawn(cmd: string, args: string[], opts: NetnsSpawnOptions = {}): ManagedProcess {
    this.owner.assertOpen(`spawn ${cmd}`);
    // `ip netns exec` execs the command in place (no fork), so the child's pid is the command's pid and an IPC
    // channel fd (NODE_CHANNEL_FD) passes straight through to it.
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const tracked = new TrackedProcess(child, `${cmd} in ${this.name}`, opts.logFile);
    this.owner.track(tracked);
    return tracked;
  }

  file(name: string): string {
    return this.owner.file(name);
  }

  async nstat(...patterns: string[]): Promise<Record<string, number>> {
    // -a absolute, -s leave nstat's history file alone (concurrent users share it), -z include zeros.
    const out = (await this.exec('nstat', ['-asz', '--json', ...patterns])).stdout;
    const parsed = JSON.parse(out) as { kernel?: Record<string, number> };
    return parsed.kernel ?? {};
  }

  async sysctl(key: string, value: string): Promise<void> {
    if (!/^[a-z0-9_.\-/]+$/i.test(key)) throw new TestkitError(`sysctl: bad key ${JSON.stringify(key)}`);
    // Write /proc/sys directly: it needs no procps, and errors name the file.
    const path = `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
    await this.exec('sh', ['-c', 'printf "%s\\n" "$1" > "$2"', 'sysctl', value, path]);
  }
}
