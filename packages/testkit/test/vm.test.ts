// Real-kernel checks of the VM harness: Debian's stock kernel under qemu TCG, the host root over 9p.
// The tunnels are made inside namespaces *inside the VM*; the host's network is never touched.
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  VmBootError,
  VmStartError,
  VmTimeoutError,
  ensureVmImage,
  mochaInVmScript,
  runInVm,
  shellQuote,
  vmAvailable,
  type EnsuredVmImage,
  type VmRunResult,
} from '../src/vm/index.js';

/** First use downloads ~70 MB and unpacks ~400 MB; later ones only check the cache. */
const SETUP_TIMEOUT_MS = 15 * 60 * 1000;
/** One boot plus the whole suite script takes ~20 s on 2 idle cores; other suites may be competing for them. */
const SUITE_RUN_TIMEOUT_MS = 240_000;
const PING_COUNT = 3;
/** Seconds between pings; root may go below ping's default of 1 s, which only adds wall time here. */
const PING_INTERVAL_S = 0.2;
const GUE_PORT = 5555;
const GUEST_EXIT_CODE = 42;

const guestModule = fileURLToPath(new URL('../src/vm/guest.js', import.meta.url));

/** Two namespaces joined by a veth; IPIP, ip6tnl and GUE pairs across them, each pinged; all inside the VM. */
function suiteScript(innerTestFile: string): string {
  const mocha = mochaInVmScript({ cwd: '/tmp', files: [innerTestFile] });
  return `set -u
section() {
  local name=$1 t0=$EPOCHREALTIME rc; shift; echo "@@ begin $name"; "$@"; rc=$?
  echo "@@ end $name rc=$rc"; echo "@@ time $name $(( (\${EPOCHREALTIME/./} - \${t0/./}) / 1000 )) ms"
}
ns() { ip netns exec "$@"; }
underlay() {
  ip netns add a && ip netns add b &&
  ip link add va netns a type veth peer name vb netns b &&
  ip -n a link set lo up && ip -n b link set lo up &&
  ip -n a addr add 10.77.0.1/24 dev va && ip -n a addr add 10.77.1.1/24 dev va &&
  ip -n b addr add 10.77.0.2/24 dev vb && ip -n b addr add 10.77.1.2/24 dev vb &&
  ip -n a addr add fd77::1/64 dev va nodad && ip -n b addr add fd77::2/64 dev vb nodad &&
  ip -n a link set va up && ip -n b link set vb up
}
ipip() {
  ip -n a link add ipip0 type ipip local 10.77.0.1 remote 10.77.0.2 &&
  ip -n b link add ipip0 type ipip local 10.77.0.2 remote 10.77.0.1 &&
  ip -n a addr add 192.168.77.1/32 peer 192.168.77.2 dev ipip0 && ip -n a link set ipip0 up &&
  ip -n b addr add 192.168.77.2/32 peer 192.168.77.1 dev ipip0 && ip -n b link set ipip0 up &&
  ns a ping -c ${PING_COUNT} -i ${PING_INTERVAL_S} -W 2 192.168.77.2; local rc=$?
  echo "rx_packets $(ns b cat /sys/class/net/ipip0/statistics/rx_packets)"
  return $rc
}
ip6tnl() {
  ip -n a link add ip6t0 type ip6tnl mode ip6ip6 local fd77::1 remote fd77::2 &&
  ip -n b link add ip6t0 type ip6tnl mode ip6ip6 local fd77::2 remote fd77::1 &&
  ip -n a addr add fd78::1/64 dev ip6t0 nodad && ip -n a link set ip6t0 up &&
  ip -n b addr add fd78::2/64 dev ip6t0 nodad && ip -n b link set ip6t0 up &&
  ns a ping -6 -c ${PING_COUNT} -i ${PING_INTERVAL_S} -W 2 fd78::2; local rc=$?
  echo "rx_packets $(ns b cat /sys/class/net/ip6t0/statistics/rx_packets)"
  return $rc
}
gue() {
  # fou.ko has no genetlink alias, so "ip fou add" cannot autoload it: load it first.
  modprobe fou &&
  ns a ip fou add port ${GUE_PORT} gue && ns b ip fou add port ${GUE_PORT} gue &&
  ip -n a link add gue0 type ipip local 10.77.1.1 remote 10.77.1.2 encap gue encap-sport auto encap-dport ${GUE_PORT} &&
  ip -n b link add gue0 type ipip local 10.77.1.2 remote 10.77.1.1 encap gue encap-sport auto encap-dport ${GUE_PORT} &&
  ip -n a addr add 192.168.78.1/32 peer 192.168.78.2 dev gue0 && ip -n a link set gue0 up &&
  ip -n b addr add 192.168.78.2/32 peer 192.168.78.1 dev gue0 && ip -n b link set gue0 up || return
  local before; before=$(udp_in b)
  ns a ping -c ${PING_COUNT} -i ${PING_INTERVAL_S} -W 2 192.168.78.2; local rc=$?
  echo "udp_in_delta $(( $(udp_in b) - before ))"
  echo "rx_packets $(ns b cat /sys/class/net/gue0/statistics/rx_packets)"
  echo "fou $(ns b ip fou show)"
  return $rc
}
# Udp InDatagrams of a namespace: GUE arrives as UDP, plain IPIP does not.
udp_in() { ns "$1" awk '/^Udp:/ { n++; if (n == 2) print $2 }' /proc/net/snmp; }
node_eval() { node -e 'console.log("NODE " + JSON.stringify({ sum: 6 * 7, release: require("os").release() }))'; }
our_code() {
  node --input-type=module -e "const m = await import(process.argv[1]); console.log('QUOTE ' + m.shellQuote(process.argv[2]))" \\
    ${shellQuote(guestModule)} "a'b"
}
inner_mocha() {
  cat > ${innerTestFile} <<'INNER'
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
describe('inside the VM', () => {
  it('creates a dummy link, which the host kernel cannot', () => {
    execFileSync('ip', ['netns', 'add', 'm']);
    execFileSync('ip', ['-n', 'm', 'link', 'add', 'd0', 'type', 'dummy']);
    assert.match(execFileSync('ip', ['-n', 'm', '-d', 'link', 'show', 'd0'], { encoding: 'utf8' }), /dummy/);
  });
});
INNER
  ( ${mocha.trim().replace(/\n/g, '\n    ')} )
}
section uname uname -r
section underlay underlay
section ipip ipip
section ip6tnl ip6tnl
section gue gue
section node node_eval
section our_code our_code
section mocha inner_mocha
exit ${GUEST_EXIT_CODE}
`;
}

interface Section {
  rc: number;
  text: string;
}

function section(output: string, name: string): Section {
  const match = new RegExp(`@@ begin ${name}\\n([\\s\\S]*?)@@ end ${name} rc=(\\d+)`).exec(output);
  assert.ok(match, `section ${name} missing from the VM output:\n${output}`);
  return { text: match[1]!, rc: Number(match[2]) };
}

function counter(text: string, name: string): number {
  const match = new RegExp(`^${name} (-?\\d+)$`, 'm').exec(text);
  assert.ok(match, `no ${name} in:\n${text}`);
  return Number(match[1]);
}

describe('@kroute/testkit/vm in a real VM', function () {
  let image: EnsuredVmImage;

  before(async function () {
    this.timeout(SETUP_TIMEOUT_MS);
    try {
      image = await ensureVmImage();
    } catch (err) {
      const { diagnostics } = await vmAvailable();
      throw new Error(`the test VM cannot be set up on this machine:\n${diagnostics}`, { cause: err });
    }
    const availability = await vmAvailable();
    assert.ok(availability.ok, `the test VM cannot run on this machine:\n${availability.diagnostics}`);
    console.log(`      image ${image.kernelVersion}: ${image.built ? 'built' : 'cached'} in ${Math.round(image.setupMs)} ms`);
  });

  describe('one boot running the whole suite script', function () {
    let run: VmRunResult;
    before(async function () {
      this.timeout(SUITE_RUN_TIMEOUT_MS + 10_000);
      run = await runInVm(suiteScript('/tmp/inner.test.mjs'), { timeoutMs: SUITE_RUN_TIMEOUT_MS });
      const times = [...run.output.matchAll(/^@@ time (\S+) (\d+) ms$/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ');
      console.log(`      suite VM run: ${Math.round(run.durationMs)} ms (sections, ms: ${times})`);
    });

    it('passes the script exit status back', () => {
      assert.equal(run.code, GUEST_EXIT_CODE, run.output);
    });

    it("boots Debian's stock kernel, not the host's", () => {
      const uname = section(run.output, 'uname');
      assert.equal(uname.text.trim(), image.kernelVersion);
      assert.notEqual(uname.text.trim(), release());
    });

    it('joins two namespaces with a veth pair', () => {
      const underlay = section(run.output, 'underlay');
      assert.equal(underlay.rc, 0, underlay.text);
    });

    it('pings across an ipip tunnel between the namespaces', () => {
      const ipip = section(run.output, 'ipip');
      assert.equal(ipip.rc, 0, ipip.text);
      assert.match(ipip.text, new RegExp(`${PING_COUNT} packets transmitted, ${PING_COUNT} received`));
      assert.ok(counter(ipip.text, 'rx_packets') >= PING_COUNT, ipip.text);
    });

    it('pings across an ip6tnl (ip6ip6) tunnel between the namespaces', () => {
      const ip6tnl = section(run.output, 'ip6tnl');
      assert.equal(ip6tnl.rc, 0, ip6tnl.text);
      assert.match(ip6tnl.text, new RegExp(`${PING_COUNT} packets transmitted, ${PING_COUNT} received`));
      assert.ok(counter(ip6tnl.text, 'rx_packets') >= PING_COUNT, ip6tnl.text);
    });

    it('pings across a GUE (FoU) tunnel, the packets arriving as UDP', () => {
      const gue = section(run.output, 'gue');
      assert.equal(gue.rc, 0, gue.text);
      assert.match(gue.text, new RegExp(`${PING_COUNT} packets transmitted, ${PING_COUNT} received`));
      assert.match(gue.text, new RegExp(`^fou port ${GUE_PORT} gue`, 'm'));
      assert.ok(counter(gue.text, 'udp_in_delta') >= PING_COUNT, gue.text);
      assert.ok(counter(gue.text, 'rx_packets') >= PING_COUNT, gue.text);
    });

    it("runs the host's node inside the VM", () => {
      const node = section(run.output, 'node');
      assert.equal(node.rc, 0, node.text);
      const line = /^NODE (.*)$/m.exec(node.text);
      assert.ok(line, node.text);
      assert.deepEqual(JSON.parse(line[1]!), { sum: 42, release: image.kernelVersion });
    });

    it("runs the repo's compiled code from dist/ inside the VM", () => {
      const ours = section(run.output, 'our_code');
      assert.equal(ours.rc, 0, ours.text);
      assert.equal(ours.text.trim(), `QUOTE ${shellQuote("a'b")}`);
    });

    it('runs a mocha file inside the VM (mochaInVmScript)', () => {
      const mocha = section(run.output, 'mocha');
      assert.equal(mocha.rc, 0, mocha.text);
      assert.match(mocha.text, /1 passing/);
    });
  });

  describe('failures', () => {
    it('kills a VM that runs past its time limit', async function () {
      this.timeout(60_000);
      const limit = 3_000;
      await assert.rejects(runInVm('sleep 600', { timeoutMs: limit }), (err: unknown) => {
        assert.ok(err instanceof VmTimeoutError, String(err));
        assert.equal(err.timeoutMs, limit);
        return true;
      });
    });

    it('reports a guest that crashes, with the console tail', async function () {
      this.timeout(SUITE_RUN_TIMEOUT_MS);
      await assert.rejects(runInVm('echo c > /proc/sysrq-trigger; sleep 60', { timeoutMs: SUITE_RUN_TIMEOUT_MS }), (err: unknown) => {
        assert.ok(err instanceof VmBootError, String(err));
        assert.match(err.consoleTail, /Kernel panic/);
        return true;
      });
    });

    it('says clearly when qemu cannot start the VM', async function () {
      this.timeout(60_000);
      // More guest memory than any host here has: qemu refuses before booting.
      const impossibleMemoryMb = 64 * 1024 * 1024;
      await assert.rejects(runInVm('true', { memoryMb: impossibleMemoryMb }), (err: unknown) => {
        assert.ok(err instanceof VmStartError, String(err));
        assert.match(err.message, /could not run the VM on this machine/);
        return true;
      });
    });
  });
});
