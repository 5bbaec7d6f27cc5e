// Prerequisites of the transport tests beyond testkit's requireNetns(): the iproute2 tools they run inside their
// namespaces. (Namespaces, veths and counters come from @kroute/testkit's Lab.)
import { existsSync } from 'node:fs';

/** Fails (never skips) when the tests cannot run here. */
export function requireNetnsPrivileges(): void {
  if (process.getuid?.() !== 0) throw new Error('transport tests need root (network namespaces, TCP-MD5)');
  for (const tool of ['/usr/bin/ip', '/usr/bin/nstat', '/usr/bin/ss']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/bin', '/usr/sbin')) && !existsSync(tool.replace('/usr', ''))) {
      throw new Error(`transport tests need ${tool} (apt-get install iproute2; see scripts/setup-machine.sh)`);
    }
  }
}
