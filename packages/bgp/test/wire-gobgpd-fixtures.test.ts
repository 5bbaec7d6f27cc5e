// Decodes the messages recorded from gobgpd 3.10 (fixtures/gobgpd-3.10.json, written by fixtures/record-gobgpd.ts)
// without needing gobgpd: the same expectations as the live test in wire-gobgpd.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageReader } from '../src/wire/index.js';
import { assertGobgpdNotifications, assertGobgpdOpen, assertGobgpdUpdates } from './fixtures/gobgpd-expect.js';
import type { GobgpdRecording } from './fixtures/gobgpd-session.js';

/** From dist/test/ back to the source tree, where the JSON lives (tsc does not copy it). */
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/gobgpd-3.10.json', import.meta.url));

describe('wire: messages recorded from gobgpd 3.10', () => {
  const rec = JSON.parse(readFileSync(FIXTURE, 'utf8')) as GobgpdRecording;

  it('was recorded from gobgpd 3.10', () => {
    assert.match(rec.gobgpdVersion, /3\.10\./);
  });

  it("decodes gobgpd's OPEN", () => assertGobgpdOpen(rec));
  it('decodes its UPDATEs to the injected routes (IPv4, IPv6 via MP_REACH_NLRI, communities, 4-octet ASNs)', () => assertGobgpdUpdates(rec));
  it('decodes its NOTIFICATIONs, including the RFC 9003 shutdown communication', () => assertGobgpdNotifications(rec));

  it('frames the recorded stream with MessageReader however it is chunked', () => {
    const all = [rec.open, ...rec.updates, rec.notificationForShutdown].map((h) => Buffer.from(h, 'hex'));
    const stream = Uint8Array.from(Buffer.concat(all));
    for (const size of [1, 7, 19, 64, 1000]) {
      const r = new MessageReader();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += size) {
        r.push(stream.subarray(i, i + size));
        for (const m of r) out.push(Buffer.from(m).toString('hex'));
      }
      assert.deepEqual(out, all.map((b) => b.toString('hex')));
    }
  });
});
