// Test support: netlink change watching and small in-namespace programs (TCP transfer).
import { RtnlMonitor, type RtnlEvent, type RtnlTopic } from '@kroute/routing';
import type { Netns } from '@kroute/testkit';

/** How long a "nothing changed" check listens after the last call; notifications arrive within microseconds. */
export const QUIET_MS = 300;

/** Records the rtnetlink notifications in `ns` that concern `ifindex` (all of them without one) until stopped. */
export class ChangeWatch {
  readonly events: RtnlEvent[] = [];
  private readonly monitor: RtnlMonitor;

  constructor(netns: string, ifindex?: number, topics: RtnlTopic[] = ['link', 'neighbour', 'address', 'route']) {
    this.monitor = RtnlMonitor.open({ netns, topics });
    this.monitor.on('event', (e: RtnlEvent) => {
      if (ifindex === undefined || e.kind === 'overflow' || eventIfindex(e) === ifindex) this.events.push(e);
    });
  }

  /** Waits for notifications still in flight, then returns them in a readable form. */
  async settle(ms = QUIET_MS): Promise<string[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.events.map(describeEvent);
  }

  close(): void {
    this.monitor.close();
  }
}

/** The interface a notification is about (routes: their output interface). */
export function eventIfindex(e: RtnlEvent): number | undefined {
  switch (e.kind) {
    case 'link':
      return e.link.index;
    case 'neighbour':
      return e.neighbour.index;
    case 'fdb':
      return e.fdb.index;
    case 'address':
      return e.address.index;
    case 'route':
      return e.route.oif;
    default:
      return undefined;
  }
}

export function describeEvent(e: RtnlEvent): string {
  switch (e.kind) {
    case 'link':
      return `${e.action} link ${e.link.name}`;
    case 'neighbour':
      return `${e.action} neighbour ${e.neighbour.address} ${e.neighbour.lladdr ?? ''}`;
    case 'fdb':
      return `${e.action} fdb ${e.fdb.lladdr} dst ${e.fdb.dst ?? '-'}`;
    case 'address':
      return `${e.action} address ${e.address.address}`;
    case 'route':
      return `${e.action} route ${e.route.dst}`;
    case 'rule':
      return `${e.action} rule`;
    case 'overflow':
      return 'overflow';
  }
}

const TRANSFER_PORT = 5201;

/**
 * Sends `bytes` of random data over TCP from `client` to `server` (at `serverAddress`) and returns the sha256 each
 * side computed. The client retries its connect until the server listens.
 */
export async function tcpTransfer(server: Netns, client: Netns, serverAddress: string, bytes: number): Promise<{ sent: string; received: string; receivedBytes: number }> {
  const serverJs = `
    const net = require('node:net'); const crypto = require('node:crypto');
    const srv = net.createServer((s) => {
      const h = crypto.createHash('sha256'); let n = 0;
      s.on('data', (d) => { h.update(d); n += d.length; });
      s.on('end', () => { console.log(JSON.stringify({ sha: h.digest('hex'), n })); s.end(); srv.close(); });
    });
    srv.listen(${TRANSFER_PORT}, process.argv[1]);`;
  const clientJs = `
    const net = require('node:net'); const crypto = require('node:crypto');
    const data = crypto.randomBytes(${bytes});
    const attempt = (left) => {
      const s = net.connect(${TRANSFER_PORT}, process.argv[1], () => { s.end(data); });
      s.on('error', (e) => { if (left > 0) setTimeout(() => attempt(left - 1), 100); else { console.error(e.message); process.exit(1); } });
      s.on('close', (hadError) => { if (!hadError) console.log(crypto.createHash('sha256').update(data).digest('hex')); });
    };
    attempt(50);`;
  const srv = server.exec('node', ['-e', serverJs, serverAddress], { timeoutMs: 30_000 });
  const cli = await client.exec('node', ['-e', clientJs, serverAddress], { timeoutMs: 30_000 });
  const got = JSON.parse((await srv).stdout.trim()) as { sha: string; n: number };
  return { sent: cli.stdout.trim(), received: got.sha, receivedBytes: got.n };
}
