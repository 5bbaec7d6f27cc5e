/**
 * Loading the kernel modules the GUE overlay needs. `fou` registers the FOU generic-netlink family and the GUE
 * encapsulation for IPv4 tunnels, `fou6` the one for ip6tnl; neither has an alias the kernel autoloads from a
 * genetlink request or a link's encap attributes, so kube-router runs `modprobe fou` / `modprobe fou6` at start-up
 * and so do we. Modules are kernel-wide: loading one inside a network namespace serves every namespace.
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { KernelSupportError } from './errors.js';

/** Loads a module; the default runs `modprobe NAME` unless /sys/module/NAME shows it is there already. */
export type ModuleLoader = (name: string) => Promise<void>;

const MODPROBE_TIMEOUT_MS = 10_000;

async function present(name: string): Promise<boolean> {
  try {
    await access(`/sys/module/${name}`);
    return true;
  } catch {
    return false;
  }
}

export const modprobe: ModuleLoader = async (name) => {
  if (await present(name)) return;
  await new Promise<void>((resolve, reject) => {
    execFile('modprobe', [name], { timeout: MODPROBE_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) resolve();
      else reject(new KernelSupportError(`modprobe ${name} failed: ${String(stderr).trim() || err.message}`, { cause: err }));
    });
  });
};
