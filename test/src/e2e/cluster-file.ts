// The shared --cluster-state file of the end-to-end tests: Kubernetes objects built from a few fields, written
// atomically (write + rename), as an operator or `kubectl get -o yaml > file` would replace it.
import { renameSync, writeFileSync } from 'node:fs';

export interface E2eNode {
  name: string;
  ip: string;
  podCidr: string;
  annotations?: Record<string, string>;
}

export interface E2eService {
  name: string;
  clusterIp: string;
  externalIp: string;
  /** externalTrafficPolicy: Local, with a ready endpoint on this node. */
  localOn?: string;
}

/** YAML is a superset of JSON: one JSON document per `---` keeps this free of a YAML dependency. */
export function clusterYaml(nodes: readonly E2eNode[], services: readonly E2eService[]): string {
  const docs: unknown[] = [];
  for (const n of nodes) {
    docs.push({
      apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, annotations: n.annotations ?? {} }, spec: { podCIDRs: [n.podCidr] },
      status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }] },
    });
  }
  for (const s of services) {
    docs.push({
      apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: 'default' },
      spec: { type: 'ClusterIP', clusterIP: s.clusterIp, externalIPs: [s.externalIp], ...(s.localOn ? { externalTrafficPolicy: 'Local' } : {}) },
    });
    if (s.localOn) {
      const node = nodes.find((n) => n.name === s.localOn);
      docs.push({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: `${s.name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': s.name } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [node ? node.podCidr.replace(/0\/\d+$/, '10') : '10.244.0.10'], nodeName: s.localOn, conditions: { ready: true } }],
      });
    }
  }
  return `${docs.map((d) => JSON.stringify(d)).join('\n---\n')}\n`;
}

export function writeClusterFile(path: string, nodes: readonly E2eNode[], services: readonly E2eService[]): void {
  writeFileSync(`${path}.next`, clusterYaml(nodes, services));
  renameSync(`${path}.next`, path);
}
