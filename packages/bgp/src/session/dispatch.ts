// Hands connections accepted by a shared listener to the session of the peer they come from.
import { canonicalAddress } from '../transport/addresses.js';
import type { BgpConnection } from '../transport/connection.js';
import type { BgpListener } from '../transport/listener.js';
import type { Session } from './session.js';

/** Sessions indexed by peer address; the listener only accepts configured peers, so a miss is a race with removal. */
export class SessionDirectory {
  private readonly byAddress = new Map<string, Session>();

  add(session: Session): void {
    this.byAddress.set(session.peerAddress, session);
  }
  remove(session: Session): void {
    if (this.byAddress.get(session.peerAddress) === session) this.byAddress.delete(session.peerAddress);
  }
  get(address: string): Session | undefined {
    return this.byAddress.get(canonicalAddress(address));
  }
  get size(): number {
    return this.byAddress.size;
  }
  [Symbol.iterator](): IterableIterator<Session> {
    return this.byAddress.values();
  }

  /** Route the listener's accepted connections to their sessions. Returns a function that stops routing. */
  attach(listener: BgpListener): () => void {
    const onConnection = (connection: BgpConnection, peer: string): void => {
      const session = this.get(peer);
      if (session) session.accept(connection);
      else connection.destroy('no session for peer');
    };
    listener.on('connection', onConnection);
    return () => listener.off('connection', onConnection);
  }
}
