/**
 * Lab and namespace names. A namespace name carries its owner's pid so that a later run can find namespaces whose
 * owner died (even by SIGKILL) and remove them: `ktk-<pid>-<counter>-<tag>-<name>`.
 */
export const LAB_PREFIX = 'ktk';

/** Linux IFNAMSIZ is 16 including the NUL terminator. */
export const MAX_IFNAME_LENGTH = 15;

const MAX_TAG_LENGTH = 20;
const OWNER_PID = new RegExp(`^${LAB_PREFIX}-(\\d+)-`);

/** Keeps tags readable in `ip netns list` and safe as file names. */
export function sanitizeTag(tag: string): string {
  const clean = tag.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_TAG_LENGTH);
  return clean || 'lab';
}

export function labId(pid: number, counter: number, tag: string): string {
  return `${LAB_PREFIX}-${pid}-${counter}-${sanitizeTag(tag)}`;
}

/** The pid encoded in a testkit lab id or namespace name; undefined for names the testkit did not make. */
export function ownerPid(name: string): number | undefined {
  const m = OWNER_PID.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Namespace names become file names under /run/netns; allow a conservative set. */
export function isValidNetnsLabel(label: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(label);
}

/** Interface names: at most 15 bytes, no `/`, `:` or whitespace (the kernel's dev_valid_name, stricter). */
export function isValidIfName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IFNAME_LENGTH && /^[A-Za-z0-9_.-]+$/.test(name);
}
