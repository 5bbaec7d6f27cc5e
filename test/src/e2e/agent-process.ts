// The real `kroute` bin inside a node namespace (`ip netns exec NS node kroute.js ...`), as a DaemonSet runs it.
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, Netns } from '@kroute/testkit';

export const KROUTE_BIN = fileURLToPath(new URL('./bin/kroute.js', import.meta.resolve('@kroute/agent')));

/** Node namespaces share the host's /etc: never register table 77 in the host's rt_tables from a test. */
const TEST_ENV = { ...process.env, KROUTE_RT_TABLES: 'off' };

export function startKroute(ns: Netns, args: readonly string[], logFile: string): ManagedProcess {
  return ns.spawn(process.execPath, [KROUTE_BIN, ...args], { logFile, env: TEST_ENV });
}

/** Runs the bin to completion inside `ns` (the CLI against the node's agent, or --cleanup-config). */
export async function runKroute(ns: Netns, args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return ns.exec(process.execPath, [KROUTE_BIN, ...args], { allowFail: true, timeoutMs: 30_000 });
}

export interface ApiNeighbor {
  address: string;
  state: string;
  uptimeSeconds: number;
}

/** The node agent's neighbors through its REST API (the CLI with --json), [] while the API is not up. */
export async function agentNeighbors(ns: Netns): Promise<ApiNeighbor[]> {
  const r = await runKroute(ns, ['neighbor', '--json']);
  if (r.code !== 0) return [];
  const parsed = JSON.parse(r.stdout) as ApiNeighbor[] | { neighbors?: ApiNeighbor[] };
  return Array.isArray(parsed) ? parsed : parsed.neighbors ?? [];
}
