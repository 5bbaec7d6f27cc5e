// What the transport tests share on top of @kroute/testkit: the iproute2 tools they run inside their namespaces,
// and the two namespaces joined by one veth that most of them use.
import { existsSync } from 'node:fs';
import type { Lab, Netns } from '@kroute/testkit';

/** Fails (never skips) when the tests cannot run here. */
export function requireNetnsPrivileges(): void {
  if (process.getuid?.() !== 0) throw new Error('transport tests need root (network namespaces, TCP-MD5)');
  for (const tool of ['/usr/bin/ip', '/usr/bin/nstat', '/usr/bin/ss']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/bin', '/usr/sbin')) && !existsSync(tool.replace('/usr', ''))) {
      throw new Error(`transport tests need ${tool} (apt-get install iproute2; see scripts/setup-machine.sh)`);
    }
  }
}

/** Namespaces `a` and `b` of `lab`, joined by one veth carrying `aAddrs` / `bAddrs` (CIDR). */
export async function linkedPair(lab: Lab, aAddrs: string[], bAddrs: string[]): Promise<{ a: Netns; b: Netns }> {
  const a = await lab.netns('a');
  const b = await lab.netns('b');
  await lab.veth(a, b, { aAddrs, bAddrs });
  return { a, b };
}
