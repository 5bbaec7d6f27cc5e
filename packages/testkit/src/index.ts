/**
 * @kroute/testkit: helpers for tests that need real network namespaces, veth links, processes inside them, and
 * gobgpd peers. Everything a test creates belongs to a {@link Lab}, which removes it all on cleanup, on exit, on
 * signals, and (after a SIGKILL) at the next `Lab.create` on the machine.
 *
 * The qemu VM harness is a separate entry point, `@kroute/testkit/vm`.
 */
export const PACKAGE = '@kroute/testkit';

export { TestkitError, PrerequisiteError, CommandError, WaitTimeoutError, GobgpdError } from './errors.js';
export { requireNetns, requireGobgpd, which } from './require.js';
export { waitFor, DEFAULT_WAIT_TIMEOUT_MS, DEFAULT_WAIT_INTERVAL_MS, type WaitOptions } from './wait.js';
export { run, DEFAULT_EXEC_TIMEOUT_MS, type ExecResult, type RunOptions } from './exec.js';
export { DEFAULT_STOP_GRACE_MS, type ManagedProcess } from './process.js';
export type { Netns, NetnsExecOptions, NetnsSpawnOptions } from './netns.js';
export { Lab, withLab, sweepStaleLabs, CLEANUP_GRACE_MS, LAN_BRIDGE, type VethOptions, type LanMember } from './lab.js';
export { LAB_PREFIX, MAX_IFNAME_LENGTH, ownerPid } from './naming.js';
export { REGISTRY_DIR } from './registry.js';
export { listNamespaces } from './teardown.js';
export { useLab } from './mocha.js';
export {
  renderGobgpdToml,
  DEFAULT_CONNECT_RETRY_S,
  type GobgpdConfig,
  type GobgpdNeighborConfig,
  type GobgpFamily,
} from './gobgpd/config.js';
export { parseNeighbors, parseRib, normaliseState, type BgpState, type GobgpNeighbor, type GobgpRoute, type AsPathSegmentType } from './gobgpd/parse.js';
export { startGobgpd, DEFAULT_API_PORT, type Gobgpd, type AddRouteOptions, type StartGobgpdOptions, type RibFamily } from './gobgpd/gobgpd.js';
