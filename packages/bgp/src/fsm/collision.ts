// Connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3) as a pure decision.

/** Which of two colliding connections survives, named by who opened it. */
export type CollisionSurvivor = 'locally-initiated' | 'remotely-initiated';

/**
 * RFC 4271 §6.8: compare the BGP Identifiers as unsigned integers; if ours is lower, the connection we initiated
 * is closed, otherwise the one the peer initiated is. RFC 6286 §2.3: with equal identifiers (possible between
 * external peers), the connection initiated by the speaker with the larger AS number is kept.
 */
export function collisionSurvivor(localId: number, remoteId: number, localAs: number, remoteAs: number): CollisionSurvivor {
  const ours = localId >>> 0;
  const theirs = remoteId >>> 0;
  if (ours !== theirs) return ours < theirs ? 'remotely-initiated' : 'locally-initiated';
  return localAs > remoteAs ? 'locally-initiated' : 'remotely-initiated';
}
