import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, externalPeersFromFlags, usageText, FLAGS } from '../src/config/flags.js';
import { UsageError } from '../src/config/usage-error.js';
import { formatGoDuration, parseGoDuration } from '../src/config/duration.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function usageErr(argv: string[], flag: string, match?: RegExp): UsageError {
  try {
    parseFlags(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.flag, flag);
    assert.ok(e.message.includes(`--${flag}`), `message names the flag: ${e.message}`);
    if (match) assert.match(e.message, match);
    return e;
  }
  assert.fail(`parseFlags(${JSON.stringify(argv)}) did not throw`);
}

describe('Go durations', () => {
  const cases: Array<[string, number]> = [
    ['90s', 90_000], ['5m', 300_000], ['2h22m', 8_520_000], ['1.5h', 5_400_000], ['300ms', 300], ['0', 0],
    ['1m30s', 90_000], ['-2s', -2000], ['.5s', 500], ['1500us', 1.5], ['1µs', 0.001],
  ];
  for (const [text, ms] of cases) it(`parses ${text}`, () => assert.equal(parseGoDuration(text), ms));
  for (const bad of ['', '5', 's', '5x', '1h 2m', '--1s', '1.2.3s']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseGoDuration(bad), undefined));
  }
  it('formats like Go', () => {
    assert.equal(formatGoDuration(90_000), '1m30s');
    assert.equal(formatGoDuration(7_200_000), '2h0m0s');
    assert.equal(formatGoDuration(500), '500ms');
  });
});

describe('kroute flags', () => {
  it("has kube-router's defaults", () => {
    const { options: o } = parseFlags([]);
    assert.equal(o.bgpPort, 179);
    assert.equal(o.clusterAsn, 0);
    assert.equal(o.bgpHoldtimeMs, 90_000);
    assert.equal(o.bgpGracefulRestart, false);
    assert.equal(o.bgpGracefulRestartTimeMs, 90_000);
    assert.equal(o.bgpGracefulRestartDeferralTimeMs, 360_000);
    assert.equal(o.nodesFullMesh, true);
    assert.equal(o.enableIbgp, true);
    assert.equal(o.advertisePodCidr, true);
    assert.equal(o.advertiseClusterIp, false);
    assert.equal(o.enableOverlay, true);
    assert.equal(o.overlayType, 'subnet');
    assert.equal(o.overlayEncap, 'ipip');
    assert.equal(o.overlayEncapPort, 5555);
    assert.equal(o.routesSyncPeriodMs, 300_000);
    assert.equal(o.injectedRoutesSyncPeriodMs, 60_000);
    assert.equal(o.healthPort, 20244);
    assert.equal(o.metricsPort, 0);
    assert.equal(o.metricsPath, '/metrics');
    assert.equal(o.apiAddr, '127.0.0.1');
    assert.equal(o.apiPort, 20245);
    assert.equal(o.strictExternalIpValidation, true);
    assert.equal(o.enableIpv4, true);
    assert.equal(o.enableIpv6, false);
  });

  it('reads pflag syntax: --a=b, --a b, bare bools, -v N, positionals', () => {
    const { options: o, positionals, given } = parseFlags([
      '--cluster-asn=65000', '--bgp-port', '1179', '--bgp-graceful-restart', '--enable-overlay=false', '-v', '3', 'extra',
    ]);
    assert.equal(o.clusterAsn, 65000);
    assert.equal(o.bgpPort, 1179);
    assert.equal(o.bgpGracefulRestart, true);
    assert.equal(o.enableOverlay, false);
    assert.equal(o.verbosity, 3);
    assert.deepEqual(positionals, ['extra']);
    assert.ok(given.has('cluster-asn') && !given.has('router-id'));
  });

  it('builds external peers with ports and decoded passwords', () => {
    const { options } = parseFlags([
      '--peer-router-ips=10.0.0.1,10.0.0.2', '--peer-router-asns', '65001,65002',
      '--peer-router-ports=1790,179', `--peer-router-passwords=${b64('s3cret')},`,
    ]);
    assert.deepEqual(externalPeersFromFlags(options), [
      { address: '10.0.0.1', asn: 65001, port: 1790, password: 's3cret' },
      { address: '10.0.0.2', asn: 65002, port: 179 },
    ]);
  });

  it('repeats slice flags by appending, replacing the default on first use', () => {
    const { options } = parseFlags(['--service-cluster-ip-range=10.1.0.0/16', '--service-cluster-ip-range=fd00::/108']);
    assert.deepEqual(options.serviceClusterIpRange, ['10.1.0.0/16', 'fd00::/108']);
  });

  it('reads passwords from --peer-router-passwords-file; the flag wins when both are set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kroute-flags-'));
    const file = join(dir, 'pw');
    writeFileSync(file, `${b64('one')},${b64('two')}\n`);
    const base = ['--peer-router-ips=10.0.0.1,10.0.0.2', '--peer-router-asns=65001,65002', `--peer-router-passwords-file=${file}`];
    assert.deepEqual(parseFlags(base).options.peerRouterPasswords, ['one', 'two']);
    assert.deepEqual(parseFlags([...base, `--peer-router-passwords=${b64('x')},${b64('y')}`]).options.peerRouterPasswords, ['x', 'y']);
  });

  describe('bad input names the flag and the value', () => {
    it('unknown flag', () => usageErr(['--no-such-flag=1'], 'no-such-flag', /unknown flag/));
    it('bad duration', () => usageErr(['--bgp-holdtime=90'], 'bgp-holdtime', /"90".*duration/));
    it('hold time below 3s', () => usageErr(['--bgp-holdtime=2s'], 'bgp-holdtime', /3s/));
    it('GR time above 4095s', () => usageErr(['--bgp-graceful-restart-time=4096s'], 'bgp-graceful-restart-time'));
    it('GR deferral 0', () => usageErr(['--bgp-graceful-restart-deferral-time=0s'], 'bgp-graceful-restart-deferral-time'));
    it('public cluster ASN', () => usageErr(['--cluster-asn=1234'], 'cluster-asn', /64512/));
    it('reserved peer ASN', () => usageErr(['--peer-router-ips=10.0.0.1', '--peer-router-asns=23456'], 'peer-router-asns', /reserved/));
    it('bad peer IP', () => usageErr(['--peer-router-ips=10.0.0.300'], 'peer-router-ips', /10\.0\.0\.300/));
    it('ASN count mismatch', () => usageErr(['--peer-router-ips=10.0.0.1,10.0.0.2', '--peer-router-asns=65001'], 'peer-router-asns', /one ASN per peer/));
    it('port count mismatch', () => usageErr(['--peer-router-ips=10.0.0.1', '--peer-router-asns=65001', '--peer-router-ports=1,2'], 'peer-router-ports'));
    it('bad base64 password', () => usageErr(['--peer-router-ips=10.0.0.1', '--peer-router-asns=65001', '--peer-router-passwords=not*base64'], 'peer-router-passwords', /base64/));
    it('password count mismatch', () => usageErr(['--peer-router-ips=10.0.0.1', '--peer-router-asns=65001', `--peer-router-passwords=${b64('a')},${b64('b')}`], 'peer-router-passwords'));
    it('bad overlay type', () => usageErr(['--overlay-type=mesh'], 'overlay-type', /"mesh"/));
    it('bad overlay encap', () => usageErr(['--overlay-encap=gre'], 'overlay-encap'));
    it('privileged FoU port', () => usageErr(['--overlay-encap-port=80'], 'overlay-encap-port', /1024/));
    it('bad CIDR', () => usageErr(['--service-external-ip-range=10.0.0.0/33'], 'service-external-ip-range'));
    it('bad bool', () => usageErr(['--enable-ibgp=maybe'], 'enable-ibgp', /boolean/));
    it('missing value', () => usageErr(['--bgp-port'], 'bgp-port', /needs a value/));
    it('bad router ID', () => usageErr(['--router-id=fd00::1'], 'router-id'));
    it('asking for the firewall', () => usageErr(['--run-firewall'], 'run-firewall', /does not provide network policy/));
    it('asking for the service proxy', () => usageErr(['--run-service-proxy=true'], 'run-service-proxy', /does not provide/));
    it('no family', () => usageErr(['--enable-ipv4=false'], 'enable-ipv4'));
  });

  it('accepts out-of-scope kube-router flags when they ask for nothing', () => {
    assert.doesNotThrow(() => parseFlags(['--run-firewall=false', '--run-service-proxy=false', '--enable-pod-egress=true', '--gobgp-admin-port=50051']));
  });

  it('documents every flag in --help', () => {
    const text = usageText();
    for (const f of FLAGS) assert.ok(text.includes(`--${f.name}`), f.name);
  });
});
