// Graceful restart (RFC 4724) in both roles against gobgpd 3.10 in network namespaces:
// - restarting speaker: kroute stops gracefully (no NOTIFICATION); gobgpd keeps our route stale; a new kroute
//   (Restart bit, Forwarding bit for IPv4) comes back and gobgpd has the route fresh;
// - receiving speaker: gobgpd is killed with SIGKILL; kroute keeps its routes stale and best; gobgpd comes back
//   restarting (-r) and re-announces one of two routes: the other is swept after its End-of-RIB; killed again and
//   not coming back, everything is swept when the restart time runs out.
import assert from 'node:assert/strict';
import { requireGobgpd, requireNetns, startGobgpd, useLab, waitFor, type Gobgpd, type ManagedProcess, type Netns } from '@kroute/testkit';
import { BgpSpeaker } from '../src/speaker/index.js';
import { FAST_RETRY, gobgpRoute, route, waitForEstablished, waitForNoRoute, waitForRoute } from './speaker-helpers.js';

const US = { asn: 65001, v4: '10.92.0.1' };
const GO = { asn: 65002, v4: '10.92.0.2' };
/** gobgpd's advertised Restart Time: how long kroute keeps its routes when it does not come back. */
const GO_RESTART_S = 8;
const API_PORT = 50051;

describe('speaker: graceful restart against gobgpd (both roles)', function () {
  this.timeout(120_000);
  const lab = useLab('spk-gr');
  let speaker: BgpSpeaker;
  let go: Gobgpd;
  let goNs: Netns;
  let usNs: Netns;
  /** The gobgpd started again by the test (with -r); the Lab stops it too. */
  let restarted: ManagedProcess | undefined;

  const newSpeaker = (restarting: boolean): BgpSpeaker => {
    const s = new BgpSpeaker({
      asn: US.asn,
      routerId: US.v4,
      netns: usNs.name,
      listen: { addresses: ['::'], port: 179 },
      gracefulRestart: { enabled: true, restartTime: 30, deferralTime: 20, preservedFamilies: ['ipv4-unicast'], restarting },
    });
    s.addPeer({ address: GO.v4, asn: GO.asn, localAddress: US.v4, holdTime: 9, connectRetry: FAST_RETRY });
    return s;
  };

  before(async () => {
    requireNetns();
    requireGobgpd();
    usNs = await lab().netns('us');
    goNs = await lab().netns('go');
    await lab().veth(usNs, goNs, { aAddrs: [`${US.v4}/24`], bAddrs: [`${GO.v4}/24`] });
    go = await startGobgpd(goNs, {
      asn: GO.asn,
      routerId: GO.v4,
      neighbors: [{ address: US.v4, asn: US.asn, passive: true, gracefulRestart: { restartTime: GO_RESTART_S } }],
    }, { apiPort: API_PORT });
    speaker = newSpeaker(false);
    await speaker.start();
    await waitForEstablished(speaker, GO.v4);
  });

  after(async () => {
    await speaker?.stop();
  });

  it('restarting kroute: gobgpd keeps our route stale, then has it fresh from the restarted speaker', async () => {
    speaker.originate({ prefix: '10.110.0.0/24' });
    const fresh = await go.waitForRoute('10.110.0.0/24');
    assert.equal(fresh.stale, false);
    assert.ok(speaker.neighbor(GO.v4)!.capabilities.includes('graceful-restart'));
    await speaker.stop({ graceful: true });
    const stale = await go.waitForRoute('10.110.0.0/24', { accept: (r) => r.stale });
    assert.equal(stale.best, true);
    assert.notEqual(await go.neighborState(US.v4), 'established');
    const sent = speaker.neighbor(GO.v4)!.messages.sent.notification;
    assert.equal(sent, 0, 'no NOTIFICATION on a graceful stop');

    speaker = newSpeaker(true);
    speaker.originate({ prefix: '10.110.0.0/24' });
    await speaker.start();
    await waitForEstablished(speaker, GO.v4);
    const back = await go.waitForRoute('10.110.0.0/24', { accept: (r) => !r.stale, timeoutMs: 40_000 });
    assert.deepEqual(back.asPath, [US.asn]);
  });

  it('receiving kroute: gobgpd killed (SIGKILL) → stale and best; back restarting → re-sent kept, rest swept after End-of-RIB', async () => {
    await go.addRoute('10.120.0.0/24', { nextHop: GO.v4 });
    await go.addRoute('10.121.0.0/24', { nextHop: GO.v4 });
    await waitForRoute(speaker, '10.120.0.0/24');
    await waitForRoute(speaker, '10.121.0.0/24');
    assert.equal(speaker.neighbor(GO.v4)!.gracefulRestart.peerRestartTime, GO_RESTART_S);

    await go.stop('SIGKILL');
    await waitFor(() => speaker.neighbor(GO.v4)!.state !== 'Established' || undefined, { what: 'session down', timeoutMs: 30_000 });
    for (const p of ['10.120.0.0/24', '10.121.0.0/24']) {
      const r = route(speaker, p)!;
      assert.ok(r, `${p} kept`);
      assert.equal(r.paths[0]!.stale, true);
      assert.equal(r.paths[0]!.best, true);
    }
    assert.equal(speaker.neighbor(GO.v4)!.gracefulRestart.state, 'restarting');
    assert.equal(speaker.neighbor(GO.v4)!.gracefulRestart.staleRoutes, 2);

    // gobgpd comes back restarting (-r: Restart and Forwarding bits) and re-announces only 10.120.0.0/24.
    restarted = goNs.spawn('gobgpd', ['-f', go.configFile, '-p', '--api-hosts', `127.0.0.1:${API_PORT}`, '--pprof-disable', '-r']);
    await waitFor(async () => (await goNs.exec('gobgp', ['-p', String(API_PORT), 'global'], { allowFail: true })).code === 0 || undefined, { what: 'gobgpd API back' });
    await go.addRoute('10.120.0.0/24', { nextHop: GO.v4 });
    await waitForEstablished(speaker, GO.v4);
    await waitForNoRoute(speaker, '10.121.0.0/24', 30_000);
    const r = await waitForRoute(speaker, '10.120.0.0/24', (x) => !x.paths[0]!.stale);
    assert.equal(r.paths[0]!.best, true);
    assert.equal(speaker.neighbor(GO.v4)!.gracefulRestart.staleRoutes, 0);
    assert.ok(await gobgpRoute(go, '10.110.0.0/24'), 'gobgpd learned our route again');
  });

  it('receiving kroute: gobgpd killed and not coming back → stale routes swept when its restart time runs out', async () => {
    await waitForRoute(speaker, '10.120.0.0/24');
    const killedAt = Date.now();
    await restarted!.stop('SIGKILL');
    await waitFor(() => route(speaker, '10.120.0.0/24')?.paths[0]!.stale || undefined, { what: 'route stale', timeoutMs: 30_000 });
    await waitForNoRoute(speaker, '10.120.0.0/24', 30_000);
    const keptMs = Date.now() - killedAt;
    assert.ok(keptMs >= GO_RESTART_S * 1000 - 500, `kept for ${keptMs} ms, restart time ${GO_RESTART_S} s`);
    assert.equal(speaker.neighbor(GO.v4)!.gracefulRestart.staleRoutes, 0);
  });
});
