import assert from 'node:assert/strict';
import { once } from 'node:events';
import { requireNetns, useLab, waitFor } from '../src/index.js';
import { fixture } from './helpers.js';

interface Reply {
  seq?: number;
  ready?: boolean;
  pid?: number;
  interfaces?: Record<string, string[]>;
}

describe('Node child with an IPC channel inside a namespace', () => {
  before(requireNetns);
  const lab = useLab('ipc');

  it('exchanges IPC messages with a node script started via ip netns exec', async () => {
    const a = await lab().netns('a');
    const b = await lab().netns('b');
    await lab().veth(a, b, { aAddrs: ['10.3.0.1/24'], bAddrs: ['10.3.0.2/24'] });
    const p = a.spawn(process.execPath, [fixture('ipc-child.js')], { ipc: true });
    const replies: Reply[] = [];
    p.child.on('message', (m: Reply) => replies.push(m));
    await waitFor(() => replies.some((r) => r.ready), { what: 'ready message from the child', timeoutMs: 10_000 });

    for (const seq of [1, 2, 3]) p.child.send({ seq });
    await waitFor(() => replies.filter((r) => r.seq !== undefined).length === 3, { what: 'three replies' });
    const answers = replies.filter((r) => r.seq !== undefined);
    assert.deepEqual(answers.map((r) => r.seq), [1, 2, 3]);
    assert.equal(answers[0]?.pid, p.pid, 'ip netns exec execs in place: the child pid is node itself');
    // The child sees the namespace's interfaces, not the host's.
    assert.deepEqual(Object.keys(answers[0]?.interfaces ?? {}).sort(), ['eth0', 'lo']);
    assert.ok(answers[0]?.interfaces?.eth0?.includes('10.3.0.1'));

    p.child.send({ seq: 4, quit: true });
    const [code] = (await once(p.child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
