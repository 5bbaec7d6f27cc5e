// The namespace lab's network: one underlay segment (a bridge in a switch namespace, a veth port per member), each
// node a namespace on it with a "pod" namespace behind a bridge (pod .10, gateway .1), and the router namespace.
// Built with `ip`, one `ip -batch` per namespace, and nothing in the host's own namespace but the names.
import { ipBatch, runCommand } from './host-command.js';
import { labPodCidr } from './cluster.js';
import { netnsLabName } from './netns-registry.js';

/** The underlay: 172.20.0.0/16 (RFC 1918), router .0.1, node i at 172.20.1.i. */
export const UNDERLAY_PREFIX_LEN = 16;
export const ROUTER_IP = '172.20.0.1';
export const ROUTER_ASN = 65000;
export const NODE_UNDERLAY_IF = 'eth0';
const SWITCH_BRIDGE = 'br0';
const POD_BRIDGE = 'kbr0';
const POD_HOST_SIDE = 'vpod';
/** VXLAN over a 1500-byte underlay leaves 1450 (50 bytes of outer headers); pods use it so nothing fragments. */
export const POD_MTU = 1450;
const POD_HOST_OCTET = 10;
const POD_GATEWAY_OCTET = 1;

export function labUnderlayIp(i: number): string {
  return `172.20.1.${i}`;
}

/** The address of the pod behind node i: .10 in its pod CIDR. */
export function labPodIp(i: number): string {
  return labPodCidr(i).replace(/\.0\/24$/, `.${POD_HOST_OCTET}`);
}

function podGateway(i: number): string {
  return labPodCidr(i).replace(/\.0\/24$/, `.${POD_GATEWAY_OCTET}`);
}

export interface LabTopology {
  readonly switchNs: string;
  readonly routerNs: string;
  readonly nodeNs: readonly string[];
  readonly podNs: readonly string[];
}

export function topologyNames(pid: number, nodes: number): LabTopology {
  return {
    switchNs: netnsLabName(pid, 'sw'),
    routerNs: netnsLabName(pid, 'router'),
    nodeNs: Array.from({ length: nodes }, (_, k) => netnsLabName(pid, `n${k + 1}`)),
    podNs: Array.from({ length: nodes }, (_, k) => netnsLabName(pid, `p${k + 1}`)),
  };
}

async function addNetns(name: string, created: (name: string) => void): Promise<void> {
  // Record before creating, so a failure halfway is still torn down.
  created(name);
  await runCommand('ip', ['netns', 'add', name]);
  await ipBatch(name, ['link set lo up']);
}

async function forwarding(ns: string): Promise<void> {
  await runCommand('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}

/** A member's veth: port `port` on the switch bridge, `eth0` in the member with `address`. */
async function joinSwitch(t: LabTopology, ns: string, port: string, address: string): Promise<void> {
  await ipBatch(t.switchNs, [
    `link add ${port} type veth peer name ${NODE_UNDERLAY_IF} netns ${ns}`,
    `link set ${port} master ${SWITCH_BRIDGE}`,
    `link set ${port} up`,
  ]);
  await ipBatch(ns, [`addr add ${address}/${UNDERLAY_PREFIX_LEN} dev ${NODE_UNDERLAY_IF}`, `link set ${NODE_UNDERLAY_IF} up`]);
}

/** Builds everything; `created` learns each namespace name as soon as it exists (for teardown). */
export async function buildTopology(t: LabTopology, created: (name: string) => void): Promise<void> {
  await addNetns(t.switchNs, created);
  await ipBatch(t.switchNs, [`link add ${SWITCH_BRIDGE} type bridge`, `link set ${SWITCH_BRIDGE} up`]);
  await addNetns(t.routerNs, created);
  await joinSwitch(t, t.routerNs, 'router', ROUTER_IP);
  for (let k = 0; k < t.nodeNs.length; k++) {
    const i = k + 1;
    const node = t.nodeNs[k]!;
    const pod = t.podNs[k]!;
    await addNetns(node, created);
    await addNetns(pod, created);
    await joinSwitch(t, node, `n${i}`, labUnderlayIp(i));
    await forwarding(node);
    await ipBatch(node, [
      `link add ${POD_BRIDGE} mtu ${POD_MTU} type bridge`,
      `addr add ${podGateway(i)}/24 dev ${POD_BRIDGE}`,
      `link set ${POD_BRIDGE} up`,
      `link add ${POD_HOST_SIDE} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${pod}`,
      `link set ${POD_HOST_SIDE} master ${POD_BRIDGE}`,
      `link set ${POD_HOST_SIDE} up`,
    ]);
    await ipBatch(pod, [`addr add ${labPodIp(i)}/24 dev eth0`, 'link set eth0 up', `route add default via ${podGateway(i)}`]);
  }
}

/** Pings every other pod from pod `from` (one process per source pod); returns the addresses that did not answer. */
export async function pingOthers(t: LabTopology, from: number): Promise<string[]> {
  const targets = t.podNs.map((_, k) => k + 1).filter((j) => j !== from).map(labPodIp);
  if (targets.length === 0) return [];
  const script = 'for a in "$@"; do ping -c1 -W2 -q "$a" >/dev/null 2>&1 || echo "$a"; done';
  const { stdout } = await runCommand('ip', ['netns', 'exec', t.podNs[from - 1]!, 'sh', '-c', script, 'ping-all', ...targets]);
  return stdout.split('\n').filter((l) => l.length > 0);
}
