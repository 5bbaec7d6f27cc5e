// Real ipip, ip6tnl, ipip-over-GUE and FOU through our codec, on Debian's stock kernel in the testkit VM (the host
// kernel lacks them). The checks themselves are in netlink-tunnels.kernel.ts, run by node inside the VM.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInVm, vmAvailable } from '@kroute/testkit/vm';
import { requireRoot } from './netlink-helpers.js';

const VM_TIMEOUT_MS = 540_000;

describe('netlink: tunnels and FOU on a stock kernel (VM)', function () {
  this.timeout(VM_TIMEOUT_MS + 60_000);

  it('creates ipip (with GUE), ip6tnl and FOU ports, pings across GUE, and removes them', async () => {
    requireRoot();
    const availability = await vmAvailable();
    assert.ok(availability.ok, `the test VM cannot start here:\n${availability.diagnostics}`);
    const script = join(dirname(fileURLToPath(import.meta.url)), 'netlink-tunnels.kernel.js');
    const run = await runInVm(`node ${script}`, { timeoutMs: VM_TIMEOUT_MS });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /all tunnel checks passed/);
  });
});
