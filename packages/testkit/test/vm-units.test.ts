// Host-side pieces of the VM harness that need no VM: parsers, script text, qemu arguments, the lock.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKernelDependency } from '../src/vm/debian.js';
import { VmError, VmUsageError } from '../src/vm/errors.js';
import { envFile, initScript, shellQuote, stage2Script } from '../src/vm/guest.js';
import { parseShowDepends } from '../src/vm/initrd.js';
import { acquireFileLock } from '../src/vm/lock.js';
import { mochaInVmScript } from '../src/vm/mocha.js';
import { kernelCommandLine, qemuArgs } from '../src/vm/qemu.js';
import { ELF_MAGIC, XZ_MAGIC, extractVmlinux, xzCandidateOffsets } from '../src/vm/vmlinux.js';

function bashSyntaxError(script: string): string {
  const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  return result.status === 0 ? '' : result.stderr;
}

describe('@kroute/testkit/vm host side', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `kroute-vm-unit-${process.pid}-`));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the stock kernel version from apt-cache depends', () => {
    const text = 'linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n';
    assert.equal(parseKernelDependency(text), '6.1.0-56-amd64');
    assert.equal(parseKernelDependency('linux-image-amd64\n'), null);
  });

  it('orders initrd modules from modprobe --show-depends, skipping built-ins', () => {
    const text = [
      'insmod /r/lib/modules/v/kernel/drivers/virtio/virtio_ring.ko ',
      'builtin crc32c',
      'insmod /r/lib/modules/v/kernel/net/9p/9pnet.ko',
      '',
    ].join('\n');
    assert.deepEqual(parseShowDepends(text), [
      '/r/lib/modules/v/kernel/drivers/virtio/virtio_ring.ko',
      '/r/lib/modules/v/kernel/net/9p/9pnet.ko',
    ]);
  });

  it('writes env.sh so that bash gets every value back byte for byte', async () => {
    const env = { PLAIN: 'x', QUOTES: `it's "quoted"`, SHELLY: '$HOME `id` $(id) \\ ;|&', LINES: 'a\nb\n', EMPTY: '' };
    const file = join(dir, 'env.sh');
    await writeFile(file, envFile(env));
    const dump = execFileSync('bash', ['-c', `. ${file}; for v in ${Object.keys(env).join(' ')}; do printf '%s\\0' "\${!v}"; done`]);
    assert.deepEqual(dump.toString('utf8').split('\0').slice(0, -1), Object.values(env));
  });

  it('rejects environment names the shell cannot export', () => {
    assert.throws(() => envFile({ 'BAD-NAME': 'x' }), VmUsageError);
    assert.throws(() => envFile({ '1X': 'x' }), VmUsageError);
  });

  it('generates stage 1, stage 2 and mocha scripts that bash parses', () => {
    assert.equal(bashSyntaxError(initScript(['virtio.ko', '9p.ko'])), '');
    assert.equal(bashSyntaxError(stage2Script({ kernelVersion: '6.1.0-56-amd64', modulesDir: '/c/root/lib/modules/6.1.0-56-amd64' })), '');
    const mocha = mochaInVmScript({ cwd: '/work/x y', files: ["dist/test/it's.test.js"], grep: 'ipip' });
    assert.equal(bashSyntaxError(mocha), '');
    assert.match(mocha, /--no-config/);
    assert.ok(mocha.includes(shellQuote("dist/test/it's.test.js")));
  });

  it('refuses paths that would break the kernel command line or the scripts', () => {
    assert.throws(() => kernelCommandLine('/var/cache/with space/stage2.sh'), VmUsageError);
    assert.throws(() => stage2Script({ kernelVersion: '6.1;rm', modulesDir: '/m' }), VmUsageError);
  });

  it('builds the qemu command line of the measured recipe', () => {
    const args = qemuArgs({ vmlinux: '/c/vmlinux', initrd: '/c/initrd.img', stage2: '/c/stage2.sh', shareDir: '/tmp/a,b', memoryMb: 1024 });
    const joined = args.join(' ');
    for (const part of ['-accel tcg,thread=multi', '-cpu max', '-smp 2', '-m 1024M', '-nographic', '-no-reboot', '-nic none']) {
      assert.ok(joined.includes(part), `missing ${part}`);
    }
    assert.ok(args.includes('local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap'));
    assert.ok(args.includes('local,id=share,path=/tmp/a,,b,security_model=none'), 'a comma in the share path is doubled');
    assert.match(args[args.indexOf('-append') + 1]!, /(^| )panic=-1( |$)/);
    assert.throws(() => qemuArgs({ vmlinux: 'v', initrd: 'i', stage2: '/s', shareDir: '/d', memoryMb: 64 }), VmUsageError);
  });

  it('extracts the ELF from an XZ payload hidden behind junk and false magic', async () => {
    const elf = Buffer.concat([ELF_MAGIC, Buffer.from('pretend kernel '.repeat(1000))]);
    const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: elf });
    const image = Buffer.concat([Buffer.from('setup code '), XZ_MAGIC, Buffer.from('not a stream'), xz, Buffer.alloc(64, 0xaa)]);
    assert.equal(xzCandidateOffsets(image).length, 2);
    const vmlinuz = join(dir, 'vmlinuz');
    await writeFile(vmlinuz, image);
    await extractVmlinux(vmlinuz, join(dir, 'vmlinux'));
    assert.deepEqual(await readFile(join(dir, 'vmlinux')), elf);
    await writeFile(vmlinuz, Buffer.from('no payload here'));
    await assert.rejects(extractVmlinux(vmlinuz, join(dir, 'vmlinux2')), VmError);
  });

  it('serialises holders of the set-up lock', async () => {
    const lock = join(dir, 'lock');
    const release = await acquireFileLock(lock, 5_000);
    await assert.rejects(acquireFileLock(lock, 1_000), /could not lock/);
    await release();
    const again = await acquireFileLock(lock, 1_000);
    await again();
  });
});
