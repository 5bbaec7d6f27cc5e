// The cluster state the controllers read: the same three kinds of objects whether they come from the Kubernetes API
// (informers) or from a --cluster-state file. Both sources implement ClusterSource; there is no second code path.
import type { EventEmitter } from 'node:events';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';

export type { V1EndpointSlice, V1Node, V1Service };

export type ObjectKind = 'Node' | 'Service' | 'EndpointSlice';

/** An immutable view of everything the controllers need, taken at one moment. */
export interface ClusterSnapshot {
  readonly nodes: readonly V1Node[];
  readonly services: readonly V1Service[];
  readonly endpointSlices: readonly V1EndpointSlice[];
}

export interface ClusterChange {
  readonly kind: ObjectKind;
  readonly type: 'added' | 'modified' | 'deleted';
  readonly name: string;
  readonly namespace?: string;
}

/**
 * A source of cluster state. `start()` resolves once the first complete state is known (the informers' initial
 * list, or the file's first good parse). After that it emits:
 * - 'change' (ClusterChange) for each object change;
 * - 'error' never (sources must stay up): problems are emitted as 'problem' (string) and the last good state kept;
 * - 'connected' / 'disconnected' while an API server comes and goes.
 */
export interface ClusterSource extends EventEmitter {
  start(): Promise<void>;
  snapshot(): ClusterSnapshot;
  stop(): Promise<void>;
}

export function objectKey(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}
