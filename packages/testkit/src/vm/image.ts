import { access, chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HOST_PACKAGES, aptUpdate, currentStockKernel, ensurePackages } from './debian.js';
import { VmSetupError, describe } from './errors.js';
import { runCommand } from './exec.js';
import { assertShellWord, initScript, stage2Script } from './guest.js';
import { INITRD_MODULES, buildInitrd, resolveModuleOrder } from './initrd.js';
import { acquireFileLock } from './lock.js';
import { extractVmlinux } from './vmlinux.js';

export const DEFAULT_VM_CACHE = '/var/cache/kroute-vm';
export const VM_CACHE_ENV = 'KROUTE_VM_CACHE';
/** A first build takes ~20 s; waiting callers give up only if the builder is clearly stuck. */
const BUILD_LOCK_TIMEOUT_MS = 15 * 60 * 1000;
const MANIFEST = 'image.json';
const APT_DOWNLOAD_AS_ROOT = ['-o', 'APT::Sandbox::User=root'];

/** A ready-to-boot VM image: everything lives in `dir`, named after the kernel version. */
export interface VmImage {
  kernelVersion: string;
  dir: string;
  /** Uncompressed ELF kernel. */
  vmlinux: string;
  initrd: string;
  /** Stage 2 init script (host path, read by the guest over 9p). */
  stage2: string;
  /** Unpacked lib/modules/VERSION of the Debian kernel, with modules.dep. */
  modulesDir: string;
}

export interface EnsuredVmImage extends VmImage {
  /** True when this call had to build the image (first use of this kernel version on this machine). */
  built: boolean;
  /** Time this call spent, lock waits and package installs included. */
  setupMs: number;
}

/** What image.json holds: the image, and which version of the guest scripts its initrd and stage 2 came from. */
interface Manifest extends VmImage {
  guestScriptsHash: string;
}

/**
 * Fingerprint of the guest-side scripts as this build of the harness writes them. A cached image made by an older
 * harness gets its initrd and stage 2 rewritten (about a second) instead of booting stale scripts.
 */
export function guestScriptsHash(): string {
  const sample = [
    initScript(['@module@.ko']),
    stage2Script({ kernelVersion: '@version@', modulesDir: '/@modules@' }),
    INITRD_MODULES.join(' '),
  ];
  return createHash('sha256').update(sample.join('\0')).digest('hex').slice(0, 16);
}

export function vmCacheDir(): string {
  return resolve(process.env[VM_CACHE_ENV] ?? DEFAULT_VM_CACHE);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readImage(dir: string): Promise<Manifest | null> {
  try {
    const image = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    for (const path of [image.vmlinux, image.initrd, image.stage2, join(image.modulesDir, 'modules.dep')]) {
      if (!(await exists(path))) return null;
    }
    return image;
  } catch {
    return null;
  }
}

/** The most recently built complete image in the cache, for when apt cannot name or fetch the current kernel. */
async function newestCachedImage(cache: string): Promise<Manifest | null> {
  let newest: { image: Manifest; mtimeMs: number } | null = null;
  for (const entry of await readdir(cache, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const image = await readImage(join(cache, entry.name));
    if (!image) continue;
    const { mtimeMs } = await stat(join(cache, entry.name, MANIFEST));
    if (!newest || mtimeMs > newest.mtimeMs) newest = { image, mtimeMs };
  }
  return newest?.image ?? null;
}

async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new VmSetupError(what, err);
  }
}

/** Downloads, unpacks and converts one Debian kernel into `cache/VERSION`, via a staging folder and one rename. */
/**
 * Writes the initrd, stage 2 and image.json into `dir` (the staging folder, or the image folder when refreshing),
 * each through a temporary name and a rename so a reader never sees half a file.
 */
async function writeBootFiles(dir: string, root: string, image: VmImage): Promise<Manifest> {
  const modules = await step('resolve the initrd modules', () => resolveModuleOrder(root, image.kernelVersion, INITRD_MODULES));
  await step('build the initrd', () => buildInitrd(dir, modules, join(dir, 'initrd.img.new')));
  await rename(join(dir, 'initrd.img.new'), join(dir, 'initrd.img'));
  await writeFile(join(dir, 'stage2.sh.new'), stage2Script(image), { mode: 0o755 });
  await rename(join(dir, 'stage2.sh.new'), join(dir, 'stage2.sh'));
  const manifest: Manifest = { ...image, guestScriptsHash: guestScriptsHash() };
  await writeFile(join(dir, `${MANIFEST}.new`), `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(join(dir, `${MANIFEST}.new`), join(dir, MANIFEST));
  return manifest;
}

/** A cached image whose guest scripts an older harness wrote gets them rewritten; the kernel is kept. */
async function upToDate(image: Manifest): Promise<VmImage> {
  if (image.guestScriptsHash === guestScriptsHash()) return image;
  return step('refresh the guest scripts of the cached image', () => writeBootFiles(image.dir, join(image.dir, 'root'), image));
}

async function buildImage(cache: string, kernelVersion: string): Promise<VmImage> {
  const staging = await mkdtemp(join(cache, `${STAGING_PREFIX}${kernelVersion}-`));
  const finalDir = join(cache, kernelVersion);
  try {
    const pkg = `linux-image-${kernelVersion}`;
    await step(`download ${pkg}`, () => runCommand('apt-get', [...APT_DOWNLOAD_AS_ROOT, 'download', pkg], { cwd: staging }));
    const deb = (await readdir(staging)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new VmSetupError(`download ${pkg}`, new Error('apt-get download produced no .deb'));
    const root = join(staging, 'root');
    await step(`unpack ${deb}`, () => runCommand('dpkg', ['-x', join(staging, deb), root]));
    await rm(join(staging, deb));
    // modprobe -d ROOT looks in ROOT/lib/modules; a merged-/usr package would put them in ROOT/usr/lib/modules.
    if (!(await exists(join(root, 'lib', 'modules'))) && (await exists(join(root, 'usr', 'lib', 'modules')))) {
      await symlink('usr/lib', join(root, 'lib'));
    }
    // The .deb carries no modules.dep; both the initrd module list and modprobe inside the VM need one.
    await step('run depmod on the unpacked kernel', () => runCommand('depmod', ['-b', root, kernelVersion]));
    const vmlinux = join(staging, 'vmlinux');
    await step('extract the ELF vmlinux from vmlinuz', () =>
      extractVmlinux(join(root, 'boot', `vmlinuz-${kernelVersion}`), vmlinux),
    );
    await rm(join(root, 'boot'), { recursive: true, force: true });
    await rm(join(root, 'usr', 'share'), { recursive: true, force: true });
    const image: VmImage = {
      kernelVersion,
      dir: finalDir,
      vmlinux: join(finalDir, 'vmlinux'),
      initrd: join(finalDir, 'initrd.img'),
      stage2: join(finalDir, 'stage2.sh'),
      modulesDir: join(finalDir, 'root', 'lib', 'modules', kernelVersion),
    };
    await writeBootFiles(staging, root, image);
    // mkdtemp made it 0700; other users' test runs read the image too.
    await chmod(staging, 0o755);
    await rm(finalDir, { recursive: true, force: true });
    await rename(staging, finalDir);
    return image;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

const APT_LISTS = '/var/lib/apt/lists';
const STOCK_KERNEL_MEMO = '.stock-kernel.json';

/**
 * `apt-cache depends` takes seconds on a busy host; its answer only changes when apt-get update rewrites the lists,
 * which changes the lists folder's mtime. So the answer is kept in the cache beside that mtime.
 */
async function stockKernel(cache: string): Promise<string | null> {
  const listsMtimeMs = await stat(APT_LISTS).then((s) => s.mtimeMs, () => null);
  const memoPath = join(cache, STOCK_KERNEL_MEMO);
  try {
    const memo = JSON.parse(await readFile(memoPath, 'utf8')) as { listsMtimeMs: number; kernelVersion: string };
    if (listsMtimeMs !== null && memo.listsMtimeMs === listsMtimeMs) return memo.kernelVersion;
  } catch {
    // No memo yet, or unreadable: ask apt.
  }
  const kernelVersion = await currentStockKernel();
  if (kernelVersion !== null && listsMtimeMs !== null) {
    await writeFile(memoPath, `${JSON.stringify({ listsMtimeMs, kernelVersion })}\n`);
  }
  return kernelVersion;
}

const STAGING_PREFIX = '.build-';

/** Staging folders of builds that were killed midway; safe to delete while holding the lock (no build runs). */
async function sweepStaging(cache: string): Promise<void> {
  for (const name of await readdir(cache)) {
    if (name.startsWith(STAGING_PREFIX)) await rm(join(cache, name), { recursive: true, force: true });
  }
}

async function ensureLocked(cache: string): Promise<{ image: VmImage; built: boolean }> {
  await sweepStaging(cache);
  await step('install the host packages', () => ensurePackages(HOST_PACKAGES));
  let version = await stockKernel(cache);
  if (version === null) {
    // A fresh machine has no apt lists yet. Offline, an image cached earlier still serves (below).
    await aptUpdate().catch(() => undefined);
    version = await stockKernel(cache);
  }
  if (version !== null) {
    const ready = await readImage(join(cache, version));
    if (ready) return { image: await upToDate(ready), built: false };
  }
  let firstFailure: unknown = new Error('apt knows no linux-image-amd64 dependency');
  if (version !== null) {
    try {
      return { image: await buildImage(cache, version), built: true };
    } catch (err) {
      firstFailure = err;
    }
  }
  // The lists may name a kernel the mirror has since dropped: refresh them and try whatever they name now.
  try {
    await aptUpdate();
    const refreshed = await stockKernel(cache);
    if (refreshed !== null) {
      const ready = await readImage(join(cache, refreshed));
      if (ready) return { image: await upToDate(ready), built: false };
      return { image: await buildImage(cache, refreshed), built: true };
    }
  } catch {
    // Fall through to an older cached kernel; any stock Debian kernel has the tunnel modules the tests need.
  }
  const cached = await newestCachedImage(cache);
  if (cached) return { image: await upToDate(cached), built: false };
  throw new VmSetupError('build an image for the stock Debian kernel', new Error(describe(firstFailure)));
}

const ensured = new Map<string, Promise<{ image: VmImage; built: boolean }>>();

/**
 * Makes sure a bootable image for Debian's current stock kernel is in the cache (default /var/cache/kroute-vm,
 * env KROUTE_VM_CACHE), building it on first use, and returns its paths. Idempotent; concurrent callers, in this or
 * other processes, are serialised by a lock file in the cache. Installs missing host packages (needs root).
 */
export async function ensureVmImage(): Promise<EnsuredVmImage> {
  const started = performance.now();
  const cache = vmCacheDir();
  assertShellWord(cache, `${VM_CACHE_ENV} cache directory`);
  let pending = ensured.get(cache);
  const first = !pending;
  if (!pending) {
    pending = (async () => {
      await step(`create the cache directory ${cache}`, () => mkdir(cache, { recursive: true }));
      const release = await step(`lock ${cache}`, () => acquireFileLock(join(cache, '.lock'), BUILD_LOCK_TIMEOUT_MS));
      try {
        return await ensureLocked(cache);
      } finally {
        await release();
      }
    })();
    ensured.set(cache, pending);
    // A failed attempt must not poison later calls (the cause may be fixed by then, e.g. packages installed).
    pending.catch(() => ensured.delete(cache));
  }
  const { image, built } = await pending;
  // Later callers in this process share the first one's result but did not build anything themselves.
  return { ...image, built: built && first, setupMs: performance.now() - started };
}
