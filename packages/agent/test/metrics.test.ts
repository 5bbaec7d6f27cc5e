import assert from 'node:assert/strict';
import { KrouteMetrics } from '../src/metrics/metrics.js';
import { startMetricsServer } from '../src/metrics/server.js';

describe('metrics', () => {
  it("exposes kube-router's names and labels, and kroute's own", async () => {
    const m = new KrouteMetrics({ processMetrics: false });
    m.setPeers([{ address: '10.0.0.2', type: 'internal', asn: 64512, state: 'Established', prefixes: { received: 3, accepted: 2, advertised: 1 } }]);
    m.advertisementsReceived.inc(3);
    m.advertisementsSent.inc({ type: 'pod-route' });
    m.countMessage('10.0.0.2', 'received', 'update', 5);
    m.countTransition('10.0.0.2', 'OpenConfirm', 'Established');
    m.updateProcessing.observe(0.002);
    m.netlinkErrors.inc({ operation: 'add route' });
    m.reconcilerChanges.inc({ object: 'route', action: 'add' });
    const text = await m.text();
    for (const line of [
      'kube_router_bgp_peer_info{address="10.0.0.2",type="internal",asn="64512",state="established"} 1',
      'kube_router_controller_bgp_advertisements_received 3',
      'kube_router_controller_bgp_advertisements_sent{type="pod-route"} 1',
      'kroute_bgp_messages_total{peer="10.0.0.2",direction="received",type="update"} 5',
      'kroute_bgp_peer_prefixes{peer="10.0.0.2",kind="accepted"} 2',
      'kroute_bgp_peer_state{peer="10.0.0.2"} 5',
      'kroute_bgp_fsm_transitions_total{peer="10.0.0.2",from="OpenConfirm",to="Established"} 1',
      'kroute_bgp_update_processing_seconds_count 1',
      'kroute_netlink_errors_total{operation="add route"} 1',
      'kroute_reconciler_changes_total{object="route",action="add"} 1',
    ]) assert.ok(text.includes(line), `missing: ${line}`);
    for (const name of ['kube_router_controller_bgp_internal_peers_sync_time', 'kube_router_host_routes_synced', 'kube_router_host_routes_added', 'kube_router_host_routes_removed', 'kroute_route_programming_seconds']) {
      assert.ok(text.includes(`# TYPE ${name} `), `declared: ${name}`);
    }
  });

  it('drops a removed peer\'s series, keeping cardinality bounded', async () => {
    const m = new KrouteMetrics({ processMetrics: false });
    const peer = (address: string) => ({ address, type: 'internal' as const, asn: 1, state: 'Established', prefixes: { received: 0, accepted: 0, advertised: 0 } });
    m.setPeers([peer('10.0.0.2'), peer('10.0.0.3')]);
    m.countMessage('10.0.0.3', 'sent', 'keepalive');
    m.setPeers([peer('10.0.0.2')]);
    const text = await m.text();
    assert.ok(!text.includes('10.0.0.3'), 'no series left for the removed peer');
    assert.ok(text.includes('kroute_bgp_peer_state{peer="10.0.0.2"}'));
  });

  it('serves the registry on the configured path', async () => {
    const m = new KrouteMetrics();
    const { server, port } = await startMetricsServer(m, { port: 0, path: '/custom', address: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/custom`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /kroute_process_cpu_seconds_total/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404);
    } finally {
      server.close();
    }
  });
});
