import { VmUsageError } from './errors.js';
import { ROOT_MOUNT_TAG, SHARE_MOUNT_TAG, STAGE2_PARAM, assertShellWord } from './guest.js';

export const QEMU_BINARY = 'qemu-system-x86_64';
export const DEFAULT_MEMORY_MB = 1024;
/** Below this the stock kernel, node and a test do not fit. */
export const MIN_MEMORY_MB = 256;
/** Two vCPUs: the CI machines have two cores, and TCG's multi-threaded mode gives each vCPU a host thread. */
export const VCPUS = 2;

export interface QemuInvocation {
  vmlinux: string;
  initrd: string;
  stage2: string;
  shareDir: string;
  memoryMb: number;
}

/** qemu's option parser uses `,` as a separator; a literal comma in a value is written `,,`. */
export function qemuOptionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/**
 * The kernel command line. `panic=-1` reboots at once on a panic, which `-no-reboot` turns into a qemu exit, so a
 * crashed guest never hangs until the timeout. `mitigations=off`: speculative-execution defences only cost time in a
 * throwaway emulated guest.
 */
export function kernelCommandLine(stage2: string): string {
  assertShellWord(stage2, 'stage 2 path');
  return ['console=ttyS0', 'panic=-1', 'quiet', 'mitigations=off', `${STAGE2_PARAM}=${stage2}`].join(' ');
}

/** The full qemu argument list, following platform.md's measured recipe. */
export function qemuArgs(vm: QemuInvocation): string[] {
  if (!Number.isInteger(vm.memoryMb) || vm.memoryMb < MIN_MEMORY_MB) throw new VmUsageError(`memoryMb must be an integer >= ${MIN_MEMORY_MB}, got ${vm.memoryMb}`);
  return [
    // KVM here is a nested PVM backend that cannot run stock kernels (platform.md), so TCG it is.
    '-accel', 'tcg,thread=multi',
    '-cpu', 'max',
    '-smp', String(VCPUS),
    '-m', `${vm.memoryMb}M`,
    '-nographic',
    '-no-reboot',
    '-nic', 'none',
    '-kernel', vm.vmlinux,
    '-initrd', vm.initrd,
    '-append', kernelCommandLine(vm.stage2),
    // The -fsdev + -device form: `-virtfs ... mount_tag=/dev/root` is rejected as a duplicate fsdev id.
    // multidevs=remap keeps inode numbers unique across the host's mounts; without it cache=loose loses mounts.
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', `virtio-9p-pci,fsdev=hostroot,mount_tag=${ROOT_MOUNT_TAG}`,
    '-fsdev', `local,id=share,path=${qemuOptionValue(vm.shareDir)},security_model=none`,
    '-device', `virtio-9p-pci,fsdev=share,mount_tag=${SHARE_MOUNT_TAG}`,
  ];
}
