import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { VmError } from './errors.js';

/** XZ stream header magic (xz file format spec §2.1.1.1). */
export const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** ELF identification bytes: 0x7f 'E' 'L' 'F'. */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Every offset at which an XZ stream could start; the kernel's payload is normally the first. */
export function xzCandidateOffsets(image: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = image.indexOf(XZ_MAGIC); at !== -1; at = image.indexOf(XZ_MAGIC, at + 1)) offsets.push(at);
  return offsets;
}

/** Decompresses one XZ stream into `outPath`; `--single-stream` ignores the trailer bytes after the payload. */
function unxz(payload: Buffer, outPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-dc', '--single-stream'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = createWriteStream(outPath);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.pipe(out);
    child.on('error', reject);
    // A bad candidate makes xz exit early; ignore the resulting EPIPE on stdin, the exit status reports it.
    child.stdin.on('error', () => undefined);
    let exitCode: number | null = null;
    let closed = 0;
    const settle = () => {
      if (++closed < 2) return;
      if (exitCode === 0) resolve();
      else reject(new VmError(`xz exit ${exitCode}: ${stderr.trim()}`));
    };
    child.on('close', (code) => {
      exitCode = code;
      settle();
    });
    out.on('close', settle);
    child.stdin.end(payload);
  });
}

async function startsWithElf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(ELF_MAGIC.length);
    await file.read(head, 0, head.length, 0);
    return head.equals(ELF_MAGIC);
  } finally {
    await file.close();
  }
}

/**
 * Extracts the uncompressed ELF kernel from a bzImage whose payload is XZ-compressed (Debian's are).
 * qemu boots the ELF through its PVH entry, skipping the in-guest decompression that is slow under TCG.
 */
export async function extractVmlinux(vmlinuzPath: string, outPath: string): Promise<void> {
  const image = await readFile(vmlinuzPath);
  const offsets = xzCandidateOffsets(image);
  for (const offset of offsets) {
    try {
      await unxz(image.subarray(offset), outPath);
      if (await startsWithElf(outPath)) return;
    } catch {
      // Not the payload (the magic bytes can occur by chance); try the next candidate.
    }
  }
  await rm(outPath, { force: true });
  throw new VmError(`no XZ-compressed ELF kernel found in ${vmlinuzPath} (${offsets.length} candidate offsets tried)`);
}
