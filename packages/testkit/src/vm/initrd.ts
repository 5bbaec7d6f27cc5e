import { chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { runCommand } from './exec.js';
import { initScript } from './guest.js';
import { VmError } from './errors.js';

/** What stage 1 needs to reach the host root: the virtio PCI transport, 9p over virtio, and overlayfs. */
export const INITRD_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'] as const;
/** busybox-static's binary: stage 1 runs before any host library is reachable, so it must be static. */
export const BUSYBOX_STATIC = '/bin/busybox';

/**
 * Parses `modprobe --show-depends` output (`insmod /path/x.ko` lines, dependencies first; `builtin x` for
 * built-ins) into .ko paths in load order.
 */
export function parseShowDepends(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^insmod\s+(\S+\.ko(?:\.(?:xz|zst|gz))?)/.exec(line.trim());
    if (match) paths.push(match[1]!);
  }
  return paths;
}

/** Load order for `modules` and all their dependencies, each module once, from an unpacked tree under `root`. */
export async function resolveModuleOrder(root: string, kernelVersion: string, modules: readonly string[]): Promise<string[]> {
  const ordered: string[] = [];
  for (const name of modules) {
    const { stdout } = await runCommand('modprobe', ['-d', root, '-S', kernelVersion, '--show-depends', name]);
    for (const path of parseShowDepends(stdout)) if (!ordered.includes(path)) ordered.push(path);
  }
  const compressed = ordered.filter((path) => !path.endsWith('.ko'));
  // busybox insmod in stage 1 cannot decompress; Debian 12 ships plain .ko files.
  if (compressed.length > 0) throw new VmError(`compressed modules are not supported in the initrd: ${compressed.join(', ')}`);
  return ordered;
}

async function listTree(dir: string, top = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const paths: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    paths.push(relative(top, full));
    if (entry.isDirectory()) paths.push(...(await listTree(full, top)));
  }
  return paths;
}

/** Writes an uncompressed newc initrd (busybox, the modules, /init) to `outPath`, staging it in `workDir`. */
export async function buildInitrd(workDir: string, modulePaths: readonly string[], outPath: string): Promise<void> {
  const tree = join(workDir, 'initrd-tree');
  await rm(tree, { recursive: true, force: true });
  for (const dir of ['bin', 'modules', 'dev', 'proc', 'sys', 'newroot']) await mkdir(join(tree, dir), { recursive: true });
  await copyFile(BUSYBOX_STATIC, join(tree, 'bin', 'busybox'));
  await chmod(join(tree, 'bin', 'busybox'), 0o755);
  const names: string[] = [];
  for (const path of modulePaths) {
    const name = basename(path);
    if (names.includes(name)) throw new VmError(`two initrd modules share the file name ${name}`);
    names.push(name);
    await copyFile(path, join(tree, 'modules', name));
  }
  await writeFile(join(tree, 'init'), initScript(names), { mode: 0o755 });
  const files = await listTree(tree);
  // No compression: the kernel unpacks it faster than it could inflate it under TCG, and it is only a few MB.
  await runCommand('cpio', ['-o', '-H', 'newc', '--quiet', '-F', outPath], { cwd: tree, input: `${files.join('\n')}\n` });
  await rm(tree, { recursive: true, force: true });
}
