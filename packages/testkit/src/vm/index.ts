// @kroute/testkit/vm: run scripts under Debian's stock kernel in a throwaway qemu VM (see README.md here).
export { runInVm, DEFAULT_TIMEOUT_MS, type RunInVmOptions, type VmRunResult } from './run.js';
export { ensureVmImage, vmCacheDir, DEFAULT_VM_CACHE, VM_CACHE_ENV, type VmImage, type EnsuredVmImage } from './image.js';
export { vmAvailable, type VmAvailability } from './diagnostics.js';
export { GUEST_SHARE_DIR, GUEST_HOST_TMP_DIR, shellQuote } from './guest.js';
export { VmError, VmUsageError, VmCommandError, VmSetupError, VmStartError, VmBootError, VmTimeoutError } from './errors.js';
export { mochaInVmScript, mochaBin, DEFAULT_MOCHA_TEST_TIMEOUT_MS, type MochaInVmOptions } from './mocha.js';
