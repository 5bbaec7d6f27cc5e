// Talks BGP to a real gobgpd 3.10 in a lab namespace, records what it sends and decodes it with our codec.
// Needs root, iproute2 and gobgpd (scripts/setup-machine.sh); without them it fails with the reason.
import { requireGobgpd, useLab } from '@kroute/testkit';
import { assertGobgpdNotifications, assertGobgpdOpen, assertGobgpdUpdates } from './fixtures/gobgpd-expect.js';
import { recordGobgpdSession, type GobgpdRecording } from './fixtures/gobgpd-session.js';

/** Two sessions, one with gobgpd's post-error idle time (~5 s) in between, on a loaded 2-core machine. */
const SESSION_TIMEOUT_MS = 120_000;

describe('wire: live messages from gobgpd 3.10', function () {
  this.timeout(SESSION_TIMEOUT_MS);
  const lab = useLab('codec-gobgpd');
  let rec: GobgpdRecording | undefined;

  before(async function () {
    requireGobgpd();
    rec = await recordGobgpdSession(lab());
  });

  it("decodes gobgpd's OPEN", () => assertGobgpdOpen(rec!));
  it('decodes its UPDATEs to the injected routes (IPv4, IPv6 via MP_REACH_NLRI, communities, 4-octet ASNs)', () => assertGobgpdUpdates(rec!));
  it('decodes its NOTIFICATION for a bad OPEN and for `gobgp neighbor X shutdown --reason`', () => assertGobgpdNotifications(rec!));
});
