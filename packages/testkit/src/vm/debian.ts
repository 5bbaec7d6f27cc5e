import { runCommand } from './exec.js';
import { VmCommandError, VmError } from './errors.js';

/** Debian packages the harness needs on the host; also listed in scripts/setup-machine.sh for fresh CI machines. */
export const HOST_PACKAGES = ['qemu-system-x86', 'busybox-static', 'cpio', 'kmod', 'xz-utils'] as const;

/** Meta-package whose dependency names the current stock kernel image (linux-image-6.1.0-NN-amd64 on bookworm). */
export const KERNEL_META_PACKAGE = 'linux-image-amd64';

/** Waits for another apt/dpkg run instead of failing at once: other engineers' set-up may be installing too. */
const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Installed packages among `packages`, with one dpkg-query for all of them in the common case. */
async function installedAmong(packages: readonly string[]): Promise<Set<string>> {
  try {
    const { stdout } = await runCommand('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...packages]);
    const lines = stdout.split('\n').filter((line) => line.endsWith(' install ok installed'));
    return new Set(lines.map((line) => line.split(' ')[0]!));
  } catch (err) {
    if (!(err instanceof VmCommandError) || packages.length <= 1) return new Set();
    // dpkg-query exits 1 when any name is unknown to dpkg; ask one by one to learn which.
    const each = await Promise.all(packages.map((pkg) => installedAmong([pkg])));
    return new Set(each.flatMap((set) => [...set]));
  }
}

export async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const installed = await installedAmong(packages);
  return packages.filter((pkg) => !installed.has(pkg));
}

export async function aptUpdate(): Promise<void> {
  await runCommand('apt-get', [...APT_LOCK_WAIT, 'update', '-qq'], { env: APT_ENV });
}

/** Installs whatever of `packages` is missing; retries once after `apt-get update` (fresh machines have no lists). */
export async function ensurePackages(packages: readonly string[]): Promise<string[]> {
  const missing = await missingPackages(packages);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new VmError(`missing Debian packages ${missing.join(', ')}; run scripts/setup-machine.sh as root`);
  }
  const install = () =>
    runCommand('apt-get', [...APT_LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env: APT_ENV });
  try {
    await install();
  } catch {
    await aptUpdate();
    await install();
  }
  return missing;
}

/** `Depends: linux-image-6.1.0-56-amd64` → `6.1.0-56-amd64`; null when apt knows no such dependency. */
export function parseKernelDependency(aptCacheDepends: string): string | null {
  const match = /Depends:\s+linux-image-(\d[\w.+~-]*)/.exec(aptCacheDepends);
  return match ? match[1]! : null;
}

/** The kernel version the stock meta-package currently points at, per the local apt lists. */
export async function currentStockKernel(): Promise<string | null> {
  try {
    const { stdout } = await runCommand('apt-cache', ['depends', KERNEL_META_PACKAGE]);
    return parseKernelDependency(stdout);
  } catch {
    return null;
  }
}
