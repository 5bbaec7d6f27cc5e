// Cluster state held in memory: the lab's built-in cluster, and tests. `replace()` applies a new state and emits
// the changes, exactly as the file source does.
import { EventEmitter } from 'node:events';
import type { ClusterSnapshot, ClusterSource } from './types.js';

export class StaticClusterSource extends EventEmitter implements ClusterSource {
  constructor(private state: ClusterSnapshot) {
    super();
  }

  async start(): Promise<void> {}

  snapshot(): ClusterSnapshot {
    return this.state;
  }

  replace(state: ClusterSnapshot): void {
    this.state = state;
    this.emit('change', { kind: 'Node', type: 'modified', name: '*' });
  }

  async stop(): Promise<void> {}
}
