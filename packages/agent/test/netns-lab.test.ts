// `kroute lab --netns` as a user runs it (root, gobgpd): the real bin builds the namespaces, converges, pings every
// pod pair, prints the router's RIB, and on Ctrl-C removes everything. Also: a killed run's namespaces are swept at
// the next start, and without root it fails with a clear message.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireGobgpd, requireNetns } from '@kroute/testkit';
import { parseLabArgs } from '../src/lab/lab.js';
import { checkNodeCount, netnsLabCluster } from '../src/lab/netns-lab.js';
import { maxNodesFor } from '../src/lab/neighbour-budget.js';
import { renderRouterToml } from '../src/lab/gobgpd-router.js';
import { labPodIp, labUnderlayIp } from '../src/lab/netns-topology.js';

const BIN = fileURLToPath(new URL('../src/bin/kroute.js', import.meta.url));
const run = promisify(execFile);
const NODES = 3;

async function namespaces(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

function waitForOutput(out: { text: string }, child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${out.text}`)); }, timeoutMs);
    const poll = setInterval(() => {
      if (pattern.test(out.text)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new Error(`the lab exited (${child.exitCode}) before printing ${pattern}:\n${out.text}`));
      }
    }, 50);
  });
}

describe('kroute lab --netns (pure parts)', () => {
  it('parses --netns with --nodes', () => {
    assert.deepEqual({ ...parseLabArgs(['--netns', '--nodes', '4']) }, { nodes: 4, bgpPort: 17179, apiPort: 20245, verbose: false, netns: true });
    assert.equal(parseLabArgs([]).netns, false);
  });

  it('nodes sit on the underlay; pods at .10 of their CIDR', () => {
    const c = netnsLabCluster(2);
    assert.deepEqual(c.nodes.map((n) => n.status?.addresses?.[0]?.address), [labUnderlayIp(1), labUnderlayIp(2)]);
    assert.equal(labPodIp(2), '10.244.2.10');
  });

  it('refuses more nodes than the shared ARP table holds (VXLAN: a permanent entry per remote node on every node)', () => {
    assert.equal(maxNodesFor(1024), 30);
    assert.doesNotThrow(() => checkNodeCount(30, 1024));
    assert.throws(() => checkNodeCount(31, 1024), /--nodes 31: .*holds at most 1024 entries \(net\.ipv4\.neigh\.default\.gc_thresh3\).*use --nodes 30 or fewer/);
    assert.doesNotThrow(() => checkNodeCount(60, 8192));
  });

  it('the router config peers with every node with MD5, afi-safis last', () => {
    const toml = renderRouterToml({ asn: 65000, routerId: '172.20.0.1', password: 'k', nodePort: 179, neighbors: [{ address: '172.20.1.1', asn: 64512 }] });
    assert.match(toml, /neighbor-address = "172\.20\.1\.1"\n\s+peer-as = 64512\n\s+auth-password = "k"/);
    assert.match(toml, /afi-safi-name = "ipv4-unicast"\n$/);
  });
});

describe('kroute lab --netns (root, gobgpd)', function () {
  this.timeout(150_000);
  let child: ChildProcess | undefined;
  const out = { text: '' };
  const stale = `kroute-lab-${deadPid()}-stale`;

  before(async () => {
    requireNetns();
    requireGobgpd();
    // What a SIGKILLed run leaves: a namespace of a pid that no longer exists.
    await run('ip', ['netns', 'add', stale]);
    child = spawn(process.execPath, [BIN, 'lab', '--netns', '--nodes', String(NODES), '--api-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => { out.text += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { out.text += c.toString(); });
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child!.once('exit', r));
    }
    await run('ip', ['netns', 'del', stale]).catch(() => undefined);
  });

  it('sweeps a killed run, converges, and every pod reaches every other pod', async () => {
    await waitForOutput(out, child!, /reachability: /, 120_000);
    assert.match(out.text, /removed \d+ namespaces left by a killed lab run/);
    assert.deepEqual(await namespaces(stale), [], 'the stale namespace is gone');
    assert.match(out.text, /converged in \d+ ms/);
    assert.match(out.text, new RegExp(`reachability: OK, ${NODES * (NODES - 1)}/${NODES * (NODES - 1)} pod-to-pod pings answered`));
    const mine = await namespaces(`kroute-lab-${child!.pid}-`);
    assert.equal(mine.length, 2 * NODES + 2, mine.join(' '));
  });

  it('prints the router RIB with every node VIP, learned over eBGP from its node', async () => {
    await waitForOutput(out, child!, /Ctrl-C stops the lab/, 10_000);
    for (let i = 1; i <= NODES; i++) {
      assert.match(out.text, new RegExp(`\\*>\\s+198\\.51\\.100\\.${i}/32\\s+172\\.20\\.1\\.${i}\\s+64512\\s`));
    }
  });

  it('Ctrl-C removes every namespace and exits 0', async () => {
    const pid = child!.pid!;
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGINT');
    assert.equal(await exited, 0, out.text);
    assert.match(out.text, /lab removed/);
    assert.deepEqual(await namespaces(`kroute-lab-${pid}-`), []);
  });
});

describe('kroute lab --netns without root', () => {
  it('fails with a clear message', () => {
    // setpriv (util-linux) drops to nobody for this one command.
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'lab', '--netns'], { encoding: 'utf8' });
    assert.equal(r.error, undefined, 'setpriv (util-linux) runs');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /kroute lab --netns needs root/);
  });
});

/** A pid that belonged to a process that has exited (and, for this test's short life, is not reused). */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}
