// IPIP, ip6tnl and ipip-in-GUE against a real kernel: Debian's stock kernel in the testkit VM (the host kernel lacks
// them). One boot runs vm/tunnels.kernel.js, where two node namespaces get tunnels only from TunnelManager: each
// encapsulation pinged, encap switches ipip → fou → ipip, no churn, sweep, cleanup. Fails (never skips) when the VM
// cannot start here, with the harness's diagnostics.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVmImage, runInVm, vmAvailable } from '@kroute/testkit/vm';
import { AF_INET, AF_INET6 } from '@kroute/routing';
import { overlayMtu } from '../src/index.js';

const SETUP_TIMEOUT_MS = 15 * 60 * 1000;
const VM_TIMEOUT_MS = 420_000;

describe('TunnelManager on a stock kernel (VM): ipip, ip6tnl, GUE', function () {
  this.timeout(VM_TIMEOUT_MS + 60_000);
  let output = '';

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('the VM tunnel tests need root');
    const availability = await vmAvailable();
    assert.ok(availability.ok, `the test VM cannot start here:\n${availability.diagnostics}`);
    try {
      await ensureVmImage();
    } catch (err) {
      throw new Error(`the test VM image cannot be set up:\n${(await vmAvailable()).diagnostics}`, { cause: err });
    }
  });

  it('programs, pings, switches encap, sweeps and cleans up inside the VM', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'vm', 'tunnels.kernel.js');
    const run = await runInVm(`node ${script}`, { timeoutMs: VM_TIMEOUT_MS });
    output = run.output;
    console.log(`      VM run ${Math.round(run.durationMs)} ms`);
    for (const line of run.output.split('\n')) if (/^(== |MEASURED)/.test(line)) console.log(`      ${line}`);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /all tunnel checks passed/);
  });

  it('measured the kernel-derived tunnel MTUs equal to the MTU table', () => {
    assert.ok(output, 'the VM run produced no output');
    const measured = [...output.matchAll(/^MEASURED mtu (\w+) ipv(\d) kernel=(\d+) table=(\d+)$/gm)];
    const seen = new Set<string>();
    for (const [, encap, v, kernel] of measured) {
      const family = v === '4' ? AF_INET : AF_INET6;
      assert.equal(Number(kernel), overlayMtu(1500, encap as 'ipip' | 'gue', family), `${encap} over IPv${v}`);
      seen.add(`${encap}/${v}`);
    }
    assert.deepEqual([...seen].sort(), ['gue/4', 'gue/6', 'ipip/4', 'ipip/6']);
  });
});
