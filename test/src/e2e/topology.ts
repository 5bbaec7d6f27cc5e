// The end-to-end world: node namespaces on underlay LANs (testkit's lan()), a ToR namespace that is gobgpd's home
// and the router between the LANs, and behind each node a "pod" namespace on a bridge (pod .10, gateway .1).
import type { Lab, Netns } from '@kroute/testkit';

/** VXLAN over a 1500-byte underlay leaves 1450; pods use it so nothing fragments across the overlay. */
export const POD_MTU = 1450;
const POD_BRIDGE = 'kbr0';

export interface E2eHost {
  readonly name: string;
  readonly ns: Netns;
  readonly pod: Netns;
  /** Underlay address (the node's InternalIP). */
  readonly ip: string;
  /** The ToR's address on this node's LAN: its BGP peer and default gateway. */
  readonly torIp: string;
  readonly podCidr: string;
  readonly podIp: string;
}

function hostIn(cidr: string, octet: number): string {
  return cidr.replace(/\d+\/\d+$/, String(octet));
}

/** A pod namespace behind a bridge in `node`, and IP forwarding on in the node. */
export async function addPod(lab: Lab, node: Netns, label: string, podCidr: string): Promise<Netns> {
  const pod = await lab.netns(label);
  await node.sysctl('net.ipv4.ip_forward', '1');
  await node.ip('link', 'add', POD_BRIDGE, 'mtu', String(POD_MTU), 'type', 'bridge');
  await node.ip('addr', 'add', `${hostIn(podCidr, 1)}/${podCidr.split('/')[1]}`, 'dev', POD_BRIDGE);
  await node.ip('link', 'set', POD_BRIDGE, 'up');
  const link = await lab.veth(node, pod, { aName: 'vpod', bName: 'eth0', bAddrs: [`${hostIn(podCidr, 10)}/${podCidr.split('/')[1]}`], mtu: POD_MTU });
  await node.ip('link', 'set', link.a, 'master', POD_BRIDGE);
  await pod.ip('route', 'add', 'default', 'via', hostIn(podCidr, 1));
  return pod;
}

export interface HostSpec {
  name: string;
  ip: string;
  podCidr: string;
}

/**
 * Creates each host's namespaces and pod, and one LAN per subnet with the ToR on every LAN (address .1), routing
 * between them. Hosts get a default route via the ToR.
 */
export async function buildWorld(lab: Lab, tor: Netns, lans: ReadonlyArray<{ label: string; cidr: string; hosts: readonly HostSpec[] }>): Promise<Map<string, E2eHost>> {
  await tor.sysctl('net.ipv4.ip_forward', '1');
  const out = new Map<string, E2eHost>();
  for (const lan of lans) {
    const len = lan.cidr.split('/')[1]!;
    const torIp = hostIn(lan.cidr, 1);
    const members: Array<{ ns: Netns; addrs: string[]; ifName: string }> = [];
    for (const h of lan.hosts) {
      const ns = await lab.netns(h.name);
      const pod = await addPod(lab, ns, `${h.name}-pod`, h.podCidr);
      members.push({ ns, addrs: [`${h.ip}/${len}`], ifName: 'eth0' });
      out.set(h.name, { name: h.name, ns, pod, ip: h.ip, torIp, podCidr: h.podCidr, podIp: hostIn(h.podCidr, 10) });
    }
    members.push({ ns: tor, addrs: [`${torIp}/${len}`], ifName: `eth-${lan.label}`.slice(0, 15) });
    await lab.lan(lan.label, members);
    for (const h of lan.hosts) await out.get(h.name)!.ns.ip('route', 'add', 'default', 'via', torIp);
  }
  return out;
}

/** Pings `to` from `from`'s pod; returns whether it answered. */
export async function podPing(from: E2eHost, to: E2eHost, count = 1): Promise<boolean> {
  const r = await from.pod.exec('ping', ['-c', String(count), '-W', '2', '-q', to.podIp], { allowFail: true });
  return r.code === 0;
}
