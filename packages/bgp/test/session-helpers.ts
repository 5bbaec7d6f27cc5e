// Shared scaffolding of the session tests: a kroute listener inside a test namespace, sessions routed from it,
// and waits on session state.
import { waitFor } from '@kroute/testkit';
import { BgpListener } from '../src/transport/index.js';
import { Session, SessionDirectory, type SessionConfig, type SessionOptions } from '../src/session/index.js';
import type { FsmState } from '../src/fsm/index.js';

export interface Speaker {
  readonly listener: BgpListener;
  readonly sessions: SessionDirectory;
  readonly logs: string[];
  add(config: SessionConfig, options?: SessionOptions): Session;
  close(): Promise<void>;
}

/** A kroute "speaker" inside namespace `netns`: one listener on :: port `port`, sessions added on demand. */
export async function speakerIn(netns: string, port = 179): Promise<Speaker> {
  const listener = await BgpListener.listen({ netns, addresses: ['::'], port });
  const sessions = new SessionDirectory();
  const detach = sessions.attach(listener);
  const logs: string[] = [];
  return {
    listener,
    sessions,
    logs,
    add(config, options = {}) {
      const s = new Session({ netns, ...config }, { listener, log: (_l, m) => logs.push(m), ...options });
      sessions.add(s);
      return s;
    },
    async close() {
      for (const s of sessions) s.deconfigure();
      detach();
      await listener.close();
    },
  };
}

export async function waitForState(session: Session, state: FsmState, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(() => session.state === state || undefined, { timeoutMs, what: `session with ${session.peerAddress} ${state}` });
  } catch (e) {
    const detail = `now ${session.state}; last change ${JSON.stringify(session.lastStateChange)}; last error ${JSON.stringify(session.lastError)}`;
    throw new Error(`${(e as Error).message} (${detail})`);
  }
}
