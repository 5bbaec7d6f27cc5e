// Cost of VxlanBackend.ensure() at cluster scale, in a throwaway namespace on the host kernel: a cold pass (device
// plus one neighbour and one FDB entry per remote node), a warm pass (everything right: reads only, no changes, what
// each reconcile costs), and a sweep removing every remote. Also the pure parts (naming, VTEP MAC) per call.
import { performance } from 'node:perf_hooks';
import { withLab } from '@kroute/testkit';
import { VxlanBackend, tunnelName, vtepMac } from '../src/index.js';

const SIZES = [100, 1000];

function remote(i: number): { ip: string; cidr: string } {
  // Node IPs 10.200.x.y in the underlay /16, pod CIDRs 10.(64 + x).y.0/24: distinct for i < 65535.
  const j = i + 1;
  const hi = (j >> 8) & 0xff;
  const lo = j & 0xff;
  return { ip: `10.200.${hi}.${lo}`, cidr: `10.${64 + hi}.${lo}.0/24` };
}

async function bench(size: number): Promise<void> {
  await withLab(`tunbench${size}`, async (lab) => {
    const node = await lab.netns('node');
    await node.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    await node.ip('addr', 'add', '10.200.255.254/16', 'dev', 'eth0');
    await node.ip('link', 'set', 'eth0', 'up');
    const backend = new VxlanBackend({ netns: node.name, nodeIP: '10.200.255.254', underlay: 'eth0' });
    try {
      const remotes = Array.from({ length: size }, (_, i) => remote(i));
      const pass = async (label: string): Promise<void> => {
        const t0 = performance.now();
        for (const r of remotes) await backend.ensure(r.ip, { podCidrs: [r.cidr] });
        const ms = performance.now() - t0;
        console.log(`vxlan ensure ${label.padEnd(5)} ${String(size).padStart(5)} remotes: ${ms.toFixed(0).padStart(6)} ms, ${((ms * 1000) / size).toFixed(0)} µs/remote`);
      };
      await pass('cold');
      await pass('warm');
      const t0 = performance.now();
      await backend.sweep(new Set());
      console.log(`vxlan sweep of ${size} remotes: ${(performance.now() - t0).toFixed(0)} ms`);
      await backend.cleanup();
    } finally {
      backend.close();
    }
  });
}

function pure(): void {
  const n = 100_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) tunnelName(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  console.log(`tunnelName: ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs/call`);
  t0 = performance.now();
  for (let i = 0; i < n; i++) vtepMac(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  console.log(`vtepMac (IPv4): ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs/call`);
}

pure();
for (const size of SIZES) await bench(size);
