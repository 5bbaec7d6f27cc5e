import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { desiredServiceVips, type NodeContext, type VipAdvertiseOptions } from '../src/controllers/service-vips.js';
import type { ClusterSnapshot } from '../src/cluster/types.js';

const NODE: NodeContext = { name: 'node-a', ips: ['10.0.0.1', 'fd00::1'], families: new Set([4, 6]) };
const ALL_ON: VipAdvertiseOptions = {
  advertiseClusterIp: true, advertiseExternalIp: true, advertiseLoadbalancerIp: true, strictExternalIpValidation: true,
  serviceClusterIpRange: ['10.96.0.0/12'], serviceExternalIpRange: ['192.0.2.0/24'], loadbalancerIpRange: ['198.51.100.0/24'],
};

function svc(name: string, spec: V1Service['spec'], extra: { annotations?: Record<string, string>; lb?: Array<{ ip: string; ipMode?: string }> } = {}): V1Service {
  return {
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec,
    ...(extra.lb ? { status: { loadBalancer: { ingress: extra.lb } } } : {}),
  };
}
function slice(service: string, endpoints: Array<{ node?: string; addr?: string; ready?: boolean }>): V1EndpointSlice {
  return {
    metadata: { name: `${service}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.addr ?? '10.244.9.9'],
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    })),
  };
}
const snap = (services: V1Service[], endpointSlices: V1EndpointSlice[] = []): ClusterSnapshot => ({ nodes: [], services, endpointSlices });
const prefixes = (m: Map<string, unknown>) => [...m.keys()].sort();

describe('service VIPs', () => {
  const lbSvc = svc('web', { type: 'LoadBalancer', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd96::10'], externalIPs: ['192.0.2.10', '203.0.113.5', '10.96.1.1'] },
    { lb: [{ ip: '198.51.100.1' }, { ip: '198.51.100.2', ipMode: 'Proxy' }, { ip: '203.0.113.9' }] });

  it('advertises cluster, external and LB IPs within the ranges; skips ipMode Proxy and out-of-range IPs', () => {
    assert.deepEqual(prefixes(desiredServiceVips(snap([lbSvc]), NODE, ALL_ON)),
      ['10.96.0.10/32', '192.0.2.10/32', '198.51.100.1/32', 'fd96::10/128']);
  });

  it('strict validation with no ranges refuses every external and LB IP; non-strict takes them all', () => {
    const noRanges = { ...ALL_ON, serviceExternalIpRange: [], loadbalancerIpRange: [] };
    assert.deepEqual(prefixes(desiredServiceVips(snap([lbSvc]), NODE, noRanges)), ['10.96.0.10/32', 'fd96::10/128']);
    const loose = { ...noRanges, strictExternalIpValidation: false };
    assert.equal(desiredServiceVips(snap([lbSvc]), NODE, loose).has('203.0.113.5/32'), true);
  });

  it('flags off by default; per-service annotations opt in and out', () => {
    const off = { ...ALL_ON, advertiseClusterIp: false, advertiseExternalIp: false, advertiseLoadbalancerIp: false };
    assert.equal(desiredServiceVips(snap([lbSvc]), NODE, off).size, 0);
    const optIn = svc('a', { type: 'ClusterIP', clusterIP: '10.96.0.11' }, { annotations: { 'kube-router.io/service.advertise.clusterip': 'true' } });
    const optOut = svc('b', { type: 'ClusterIP', clusterIP: '10.96.0.12' }, { annotations: { 'kube-router.io/service.advertise.clusterip': 'false' } });
    const garbage = svc('c', { type: 'ClusterIP', clusterIP: '10.96.0.13' }, { annotations: { 'kube-router.io/service.advertise.clusterip': 'yes' } });
    assert.deepEqual(prefixes(desiredServiceVips(snap([optIn]), NODE, off)), ['10.96.0.11/32']);
    assert.deepEqual(prefixes(desiredServiceVips(snap([optOut, garbage]), NODE, ALL_ON)), [], 'false and unparsable mean off');
  });

  it('skiplbips suppresses LB IPs; headless and ExternalName services are skipped', () => {
    const skip = svc('s', { type: 'LoadBalancer', clusterIP: '10.96.0.20' }, { annotations: { 'kube-router.io/service.skiplbips': '' }, lb: [{ ip: '198.51.100.7' }] });
    assert.deepEqual(prefixes(desiredServiceVips(snap([skip]), NODE, ALL_ON)), ['10.96.0.20/32']);
    const headless = svc('h', { type: 'ClusterIP', clusterIP: 'None', externalIPs: ['192.0.2.50'] });
    const extName = svc('e', { type: 'ExternalName', externalName: 'example.org' });
    assert.equal(desiredServiceVips(snap([headless, extName]), NODE, ALL_ON).size, 0);
  });

  it('locality: ETP=Local or service.local advertises external/LB IPs only with a READY local endpoint', () => {
    const etp = svc('l', { type: 'LoadBalancer', clusterIP: '10.96.0.30', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.30'] }, { lb: [{ ip: '198.51.100.30' }] });
    const none = desiredServiceVips(snap([etp], [slice('l', [{ node: 'node-b' }])]), NODE, ALL_ON);
    assert.deepEqual(prefixes(none), ['10.96.0.30/32'], 'cluster IP stays; external and LB need a local endpoint');
    const notReady = desiredServiceVips(snap([etp], [slice('l', [{ node: 'node-a', ready: false }])]), NODE, ALL_ON);
    assert.deepEqual(prefixes(notReady), ['10.96.0.30/32'], 'kube-router ignores readiness; kroute does not');
    const ready = desiredServiceVips(snap([etp], [slice('l', [{ node: 'node-a', ready: true }])]), NODE, ALL_ON);
    assert.deepEqual(prefixes(ready), ['10.96.0.30/32', '192.0.2.30/32', '198.51.100.30/32']);
    const byAddress = desiredServiceVips(snap([etp], [slice('l', [{ addr: '10.0.0.1' }])]), NODE, ALL_ON);
    assert.equal(byAddress.has('192.0.2.30/32'), true, 'an endpoint without nodeName is local when its address is a node IP');
    const annotated = svc('m', { type: 'ClusterIP', clusterIP: '10.96.0.31', externalIPs: ['192.0.2.31'] }, { annotations: { 'kube-router.io/service.local': 'true' } });
    assert.deepEqual(prefixes(desiredServiceVips(snap([annotated]), NODE, ALL_ON)), ['10.96.0.31/32'], 'service.local does not scope the cluster IP');
  });

  it('ITP=Local scopes the cluster IP', () => {
    const itp = svc('i', { type: 'ClusterIP', clusterIP: '10.96.0.40', internalTrafficPolicy: 'Local' });
    assert.equal(desiredServiceVips(snap([itp]), NODE, ALL_ON).size, 0);
    assert.equal(desiredServiceVips(snap([itp], [slice('i', [{ node: 'node-a' }])]), NODE, ALL_ON).size, 1);
  });

  it('a service without EndpointSlices affects only itself (kube-router #1917)', () => {
    const lonely = svc('lonely', { type: 'ClusterIP', clusterIP: '10.96.0.50', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.50'] });
    const other = svc('other', { type: 'ClusterIP', clusterIP: '10.96.0.51' });
    assert.deepEqual(prefixes(desiredServiceVips(snap([lonely, other]), NODE, ALL_ON)), ['10.96.0.50/32', '10.96.0.51/32']);
  });

  it('a VIP shared by two services stays until the last one goes', () => {
    const a = svc('a', { type: 'ClusterIP', clusterIP: '10.96.0.10', externalIPs: ['192.0.2.99'] });
    const b = svc('b', { type: 'ClusterIP', clusterIP: '10.96.0.11', externalIPs: ['192.0.2.99'] });
    assert.deepEqual(desiredServiceVips(snap([a, b]), NODE, ALL_ON).get('192.0.2.99/32')!.services, ['default/a', 'default/b']);
    assert.deepEqual(desiredServiceVips(snap([b]), NODE, ALL_ON).get('192.0.2.99/32')!.services, ['default/b']);
  });

  it('only families the node advertises', () => {
    const v4only: NodeContext = { ...NODE, families: new Set([4]) };
    assert.deepEqual(prefixes(desiredServiceVips(snap([lbSvc]), v4only, ALL_ON)), ['10.96.0.10/32', '192.0.2.10/32', '198.51.100.1/32']);
  });
});
