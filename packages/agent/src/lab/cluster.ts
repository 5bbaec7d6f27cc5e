// The lab's built-in cluster: N nodes on loopback addresses 127.0.0.1..N, each with a pod CIDR and one service
// whose external IP only that node advertises (externalTrafficPolicy: Local with its endpoint there).
import type { ClusterSnapshot, V1EndpointSlice, V1Node, V1Service } from '../cluster/types.js';

export const LAB_MAX_NODES = 250;
/** RFC 5737 documentation range: lab VIPs never leave the machine (dry run, loopback sessions). */
export const LAB_VIP_RANGE = '198.51.100.0/24';

export function labNodeName(i: number): string {
  return `lab-${i}`;
}

export function labNodeIp(i: number): string {
  return `127.0.0.${i}`;
}

export function labPodCidr(i: number): string {
  return `10.244.${i}.0/24`;
}

export function labVip(i: number): string {
  return `198.51.100.${i}`;
}

export function labCluster(n: number): ClusterSnapshot {
  const nodes: V1Node[] = [];
  const services: V1Service[] = [];
  const endpointSlices: V1EndpointSlice[] = [];
  for (let i = 1; i <= n; i++) {
    nodes.push({
      metadata: { name: labNodeName(i) },
      spec: { podCIDRs: [labPodCidr(i)] },
      status: { addresses: [{ type: 'InternalIP', address: labNodeIp(i) }, { type: 'Hostname', address: labNodeName(i) }] },
    });
    services.push({
      metadata: { name: `web-${i}`, namespace: 'lab' },
      spec: { type: 'ClusterIP', clusterIP: `10.96.0.${i}`, externalIPs: [labVip(i)], externalTrafficPolicy: 'Local' },
    });
    endpointSlices.push({
      metadata: { name: `web-${i}-x`, namespace: 'lab', labels: { 'kubernetes.io/service-name': `web-${i}` } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [`10.244.${i}.10`], nodeName: labNodeName(i), conditions: { ready: true } }],
    });
  }
  return { nodes, services, endpointSlices };
}
