// The two scripts that run inside the VM, as text, plus the files the host and guest exchange.
// Stage 1 (/init in the initrd, busybox) loads the 9p/virtio modules and switches to the host's root over 9p.
// Stage 2 (the host's own bash, read over 9p) makes the read-only root usable, runs the caller's script, powers off.
import { VmUsageError } from './errors.js';

/** 9p mount tag of the host root; the recipe's `root=/dev/root` naming. */
export const ROOT_MOUNT_TAG = '/dev/root';
/** 9p mount tag of the per-run read-write folder. */
export const SHARE_MOUNT_TAG = 'kroute-share';
/** Where the per-run read-write folder appears inside the VM. */
export const GUEST_SHARE_DIR = '/run/kroute-vm';
/** Where the host's /tmp stays reachable (read-only) once a tmpfs covers /tmp inside the VM. */
export const GUEST_HOST_TMP_DIR = '/run/host-tmp';
/** Where the host's /var/tmp stays reachable (read-only) once a tmpfs covers /var/tmp inside the VM. */
export const GUEST_HOST_VARTMP_DIR = '/run/host-vartmp';
/** Kernel command-line parameter through which stage 1 learns the path of stage 2. */
export const STAGE2_PARAM = 'kroute.stage2';

/** File names inside the per-run folder. */
export const SHARE_FILES = {
  script: 'script.sh',
  env: 'env.sh',
  output: 'output',
  exitStatus: 'exit-status',
} as const;

/** 9p payload size; large messages matter for reading node and its modules through 9p. */
const NINEP_MSIZE = 512000;
const NINEP_ROOT_OPTIONS = `ro,trans=virtio,version=9p2000.L,msize=${NINEP_MSIZE},cache=loose`;
// The share is written by the guest and read by the host afterwards: no guest-side caching.
const NINEP_SHARE_OPTIONS = `rw,trans=virtio,version=9p2000.L,msize=${NINEP_MSIZE}`;

/** Stage 1: /init of the initrd. `moduleFiles` are insmod-ed in this order (dependencies first). */
export function initScript(moduleFiles: readonly string[]): string {
  return `#!/bin/busybox sh
# kroute test VM, stage 1. Debian builds virtio_pci, 9p and overlay as modules, so they load here, in order.
bb=/bin/busybox
$bb mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
die() { echo "kroute-vm: stage 1: $*"; echo o > /proc/sysrq-trigger; $bb sleep 30; }
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
for m in ${moduleFiles.join(' ')}; do
  $bb insmod /modules/$m || die "insmod $m failed"
done
stage2=
for arg in $($bb cat /proc/cmdline); do
  case "$arg" in ${STAGE2_PARAM}=*) stage2="\${arg#${STAGE2_PARAM}=}";; esac
done
[ -n "$stage2" ] || die "no ${STAGE2_PARAM}= on the kernel command line"
$bb mount -t 9p -o ${NINEP_ROOT_OPTIONS} ${ROOT_MOUNT_TAG} /newroot || die "cannot mount the host root over 9p"
[ -f "/newroot$stage2" ] || die "stage 2 script $stage2 is not visible in the host root"
for fs in dev proc sys; do $bb mount --move /$fs /newroot/$fs || die "cannot move /$fs"; done
exec $bb switch_root /newroot /bin/bash "$stage2"
`;
}

export interface Stage2Paths {
  kernelVersion: string;
  /** Host path of the extracted lib/modules/VERSION tree (with modules.dep), bound into /usr/lib/modules. */
  modulesDir: string;
}

/** Stage 2: runs as PID 1 on the host root (read-only 9p). */
export function stage2Script({ kernelVersion, modulesDir }: Stage2Paths): string {
  assertShellWord(kernelVersion, 'kernel version');
  assertShellWord(modulesDir, 'modules directory');
  const share = GUEST_SHARE_DIR;
  return `#!/bin/bash
# kroute test VM, stage 2: PID 1, running the host's own binaries from the read-only host root.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
die() { echo "kroute-vm: stage 2: $*"; echo o > /proc/sysrq-trigger; sleep 30; exit 1; }
mount -t tmpfs -o mode=755 run /run || die "cannot mount /run"
mkdir -p /run/.usr-lib/upper /run/.usr-lib/work ${share} ${GUEST_HOST_TMP_DIR}
# /usr/lib/modules does not exist on the host; a tmpfs overlay lets the Debian modules appear there so that
# modprobe (the host's kmod, through 9p) and the kernel's module autoload find them.
mount -t overlay overlay -o lowerdir=/usr/lib,upperdir=/run/.usr-lib/upper,workdir=/run/.usr-lib/work /usr/lib \\
  || die "cannot overlay /usr/lib"
mkdir -p /usr/lib/modules/${kernelVersion}
mount --bind ${modulesDir} /usr/lib/modules/${kernelVersion} || die "cannot bind the kernel modules"
mount -t 9p -o ${NINEP_SHARE_OPTIONS} ${SHARE_MOUNT_TAG} ${share} || die "cannot mount the results share"
export HOME=/tmp KROUTE_VM=1 KROUTE_VM_SHARE=${share} KROUTE_VM_HOST_TMP=${GUEST_HOST_TMP_DIR}
[ -f ${share}/${SHARE_FILES.env} ] && . ${share}/${SHARE_FILES.env}
# Bind before covering /tmp and /var/tmp, so the host's (and a cache kept there) stay reachable.
mkdir -p ${GUEST_HOST_VARTMP_DIR}
mount --bind /tmp ${GUEST_HOST_TMP_DIR} || die "cannot bind the host /tmp"
mount --bind /var/tmp ${GUEST_HOST_VARTMP_DIR} || die "cannot bind the host /var/tmp"
mount -t tmpfs -o mode=1777 tmp /tmp || die "cannot mount /tmp"
mount -t tmpfs -o mode=1777 vartmp /var/tmp || die "cannot mount /var/tmp"
# A checkout under /tmp or /var/tmp (CI clones often are) must stay visible at its own path, read-only.
if [ -n "\${KROUTE_VM_REPO:-}" ]; then
  case "$KROUTE_VM_REPO" in
    /tmp/*) repo_src="${GUEST_HOST_TMP_DIR}/\${KROUTE_VM_REPO#/tmp/}" ;;
    /var/tmp/*) repo_src="${GUEST_HOST_VARTMP_DIR}/\${KROUTE_VM_REPO#/var/tmp/}" ;;
    *) repo_src= ;;
  esac
  if [ -n "$repo_src" ]; then
    mkdir -p "$KROUTE_VM_REPO" && mount --bind "$repo_src" "$KROUTE_VM_REPO" || die "cannot bind the checkout $KROUTE_VM_REPO"
  fi
fi
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
hostname kroute-vm
ip link set lo up
cd /
bash ${share}/${SHARE_FILES.script} </dev/null >${share}/${SHARE_FILES.output} 2>&1
echo $? >${share}/${SHARE_FILES.exitStatus}.tmp && mv ${share}/${SHARE_FILES.exitStatus}.tmp ${share}/${SHARE_FILES.exitStatus}
sync
echo o > /proc/sysrq-trigger
sleep 30
`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a value for bash: single quotes, with each embedded `'` closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The env.sh that stage 2 sources before running the caller's script. */
export function envFile(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new VmUsageError(`environment variable name ${JSON.stringify(name)} is not a shell name`);
    if (value.includes('\0')) throw new VmUsageError(`environment variable ${name} contains a NUL byte`);
    return `export ${name}=${shellQuote(value)}`;
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Paths spliced into scripts and the kernel command line must be single words with no shell or 9p meaning. */
export function assertShellWord(value: string, what: string): void {
  if (!/^[A-Za-z0-9_./+:@-]+$/.test(value)) {
    throw new VmUsageError(`${what} ${JSON.stringify(value)} must be a plain path (letters, digits, . _ / + : @ -)`);
  }
}
