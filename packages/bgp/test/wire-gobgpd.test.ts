// Talks BGP to a real gobgpd 3.10 in a lab namespace, records what it sends and decodes it with our codec, and has
// gobgpd accept UPDATEs built by our encoder. Needs root, iproute2 and gobgpd (scripts/setup-machine.sh); without
// them it fails with the reason.
import assert from 'node:assert/strict';
import { requireGobgpd, useLab } from '@kroute/testkit';
import { assertGobgpdNotifications, assertGobgpdOpen, assertGobgpdUpdates } from './fixtures/gobgpd-expect.js';
import {
  ANNOUNCED_COMMUNITY,
  ANNOUNCED_IPV4,
  ANNOUNCED_IPV6,
  ANNOUNCED_MED,
  CLIENT,
  recordGobgpdSession,
  type GobgpdSessionResult,
} from './fixtures/gobgpd-session.js';

/** Two sessions, one with gobgpd's post-error idle time (~5 s) in between, on a loaded 2-core machine. */
const SESSION_TIMEOUT_MS = 120_000;

describe('wire: live messages from gobgpd 3.10', function () {
  this.timeout(SESSION_TIMEOUT_MS);
  const lab = useLab('codec-gobgpd');
  let result: GobgpdSessionResult | undefined;

  before(async function () {
    requireGobgpd();
    result = await recordGobgpdSession(lab());
  });

  it("decodes gobgpd's OPEN", () => assertGobgpdOpen(result!.recording));
  it('decodes its UPDATEs to the injected routes (IPv4, IPv6 via MP_REACH_NLRI, communities, 4-octet ASNs)', () =>
    assertGobgpdUpdates(result!.recording));
  it('decodes its NOTIFICATION for a bad OPEN and for `gobgp neighbor X shutdown --reason`', () =>
    assertGobgpdNotifications(result!.recording));

  it('gobgpd accepts UPDATEs from our encoder, IPv4 and IPv6 (MP_REACH_NLRI), with their attributes', () => {
    const { ipv4, ipv6 } = result!.adjIn;
    for (const [routes, prefixes, nextHop] of [
      [ipv4, ANNOUNCED_IPV4, CLIENT.v4],
      [ipv6, ANNOUNCED_IPV6, CLIENT.v6],
    ] as const) {
      assert.deepEqual(routes.map((r) => r.prefix).sort(), [...prefixes].sort());
      for (const r of routes) {
        assert.equal(r.nextHop, nextHop, r.prefix);
        assert.deepEqual(r.asPath, [CLIENT.asn], r.prefix);
        assert.equal(r.origin, 'igp', r.prefix);
        assert.equal(r.med, ANNOUNCED_MED, r.prefix);
        assert.deepEqual(r.communities, [`${ANNOUNCED_COMMUNITY.asn}:${ANNOUNCED_COMMUNITY.value}`], r.prefix);
      }
    }
  });
});
