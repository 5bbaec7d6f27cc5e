/**
 * VxlanBackend (`--overlay-encap=vxlan`): a flannel-style overlay. One VXLAN device per node (no learning); for each
 * remote node a permanent neighbour entry (its VTEP IP → VTEP MAC) and an FDB entry (VTEP MAC → its node IP). The
 * reconciler adds `podCIDR via <VTEP IP> dev <device> onlink` with the endpoint ensure() returns. VTEP addresses
 * and MACs are derived, not exchanged (see vtep.ts).
 * @packageDocumentation
 */
import { AF_INET, NetlinkError, NUD_PERMANENT, Rtnl, type DecodedLink, type IpFamily, type TunnelBackend, type TunnelEndpoint } from '@kroute/routing';
import { canonicalAddress, familyOf } from './address.js';
import { TunnelError } from './errors.js';
import { getFdbEntry, getNeighbour } from './neighbour-get.js';
import { Serial } from './serial.js';
import { vtepAddress, vtepMac } from './vtep.js';
import {
  DEFAULT_VNI,
  DEFAULT_VXLAN_DEVICE,
  DEFAULT_VXLAN_PORT,
  checkVxlanSettings,
  desiredVxlan,
  familyName,
  neighbourMatches,
  strayFdbEntries,
  strayNeighbours,
  vxlanAdjustment,
  vxlanLink,
  vxlanMismatch,
  type DesiredVxlan,
} from './vxlan-spec.js';
import { MAX_IFNAME_LENGTH } from './naming.js';

const IPV4_HOST_BITS = 32;
const IPV6_HOST_BITS = 128;
/** fe80::/10 as the kernel's addresses print (RFC 4291 §2.5.6); link-local addresses are the kernel's own. */
const IPV6_LINK_LOCAL_PREFIX = 'fe80:';

export interface VxlanBackendOptions {
  /** This node's underlay IP: the VTEP source address, and where remote nodes send to. */
  nodeIP: string;
  /** The underlay interface (name or index) holding `nodeIP`. */
  underlay: string | number;
  /** This node's pod CIDRs: their network addresses go on the device as its VTEP IPs (omitted: addresses unmanaged). */
  localPodCidrs?: readonly string[];
  /** Default 1. */
  vni?: number;
  /** UDP port; default 4789. */
  port?: number;
  /** Default `kroute.vxlan`. */
  device?: string;
  netns?: string;
}

/** The remote node's description ensure() needs: all its pod CIDRs. */
export interface VxlanRemote {
  node?: string;
  podCidrs?: readonly string[];
}

export class VxlanBackend implements TunnelBackend {
  readonly device: string;
  readonly vni: number;
  readonly port: number;
  readonly nodeIP: string;
  readonly family: IpFamily;
  private readonly underlay: string | number;
  private readonly localVteps: string[];
  private readonly rtnl: Rtnl;
  private readonly serial = new Serial();
  private closed = false;
  /** VTEP IPs ensured per remote node IP (to drop former ones without reading every entry each time). */
  private readonly vtepsByNode = new Map<string, string[]>();
  /** The device's permanent neighbours by MAC when first needed (undefined: not read yet for this device). */
  private startupEntries: Map<string, string[]> | undefined;

  constructor(options: VxlanBackendOptions) {
    this.device = options.device ?? DEFAULT_VXLAN_DEVICE;
    if (this.device.length === 0 || this.device.length > MAX_IFNAME_LENGTH) {
      throw new TunnelError(`VXLAN device name ${JSON.stringify(this.device)}: 1..${MAX_IFNAME_LENGTH} characters`);
    }
    this.vni = options.vni ?? DEFAULT_VNI;
    this.port = options.port ?? DEFAULT_VXLAN_PORT;
    checkVxlanSettings(this.vni, this.port);
    this.nodeIP = canonicalAddress(options.nodeIP);
    this.family = familyOf(this.nodeIP);
    this.underlay = options.underlay;
    this.localVteps = (options.localPodCidrs ?? []).map((c) => {
      const vtep = vtepAddress(c);
      return `${vtep}/${familyOf(vtep) === AF_INET ? IPV4_HOST_BITS : IPV6_HOST_BITS}`;
    });
    this.rtnl = Rtnl.open(options.netns !== undefined ? { netns: options.netns } : {});
  }

  /**
   * Makes the device right and, for the remote node at `nextHop`, its neighbour and FDB entries. `remote.podCidrs`
   * must list all of that node's pod CIDRs (their VTEP IPs); entries for its other, former VTEP IPs are removed.
   * Returns the device with the VTEP IP of the node's first pod CIDR of the next hop's family (else its first) as the
   * on-link gateway. Nothing already right is touched.
   */
  ensure(nextHop: string, remote: VxlanRemote): Promise<TunnelEndpoint> {
    return this.serial.run(() => this.ensureNow(nextHop, remote));
  }

  /**
   * `--dry-run`: the endpoint towards the node at `nextHop` if the device is right and the node's neighbour and FDB
   * entries are there (the gateway is then its VTEP IP found on the device); nothing is created or changed.
   */
  async peek(nextHop: string): Promise<TunnelEndpoint | undefined> {
    const nodeIP = canonicalAddress(nextHop);
    if (familyOf(nodeIP) !== this.family) return undefined;
    const dev = await this.rtnl.getLink(this.device);
    if (!dev || vxlanMismatch(dev, await this.desired()) !== undefined) return undefined;
    const mac = vtepMac(nodeIP);
    const fdb = await getFdbEntry(this.rtnl, dev.index, mac);
    if (!fdb || fdb.dst === undefined || canonicalAddress(fdb.dst) !== nodeIP) return undefined;
    const vteps = (await this.rtnl.listNeighbours())
      .filter((n) => n.index === dev.index && neighbourMatches(n, mac))
      .map((n) => n.address);
    const gateway = vteps.find((v) => familyOf(v) === this.family) ?? vteps[0];
    return gateway === undefined ? undefined : { ifindex: dev.index, name: dev.name, gateway, onlink: true };
  }

  /** Removes neighbour and FDB entries of remote nodes not in `keep` (node IPs); the device stays. */
  sweep(keep: ReadonlySet<string>): Promise<void> {
    return this.serial.run(async () => {
      const dev = await this.rtnl.getLink(this.device);
      if (!dev) return;
      const kept = [...keep].map(canonicalAddress);
      for (const node of [...this.vtepsByNode.keys()]) if (!kept.includes(node)) this.vtepsByNode.delete(node);
      const neighbours = (await this.rtnl.listNeighbours()).filter((n) => n.index === dev.index);
      for (const n of strayNeighbours(neighbours, kept)) await this.ignoreGone(this.rtnl.deleteNeighbour({ index: dev.index, address: n.address }));
      for (const e of strayFdbEntries(await this.rtnl.listFdbEntries(dev.index), kept)) {
        await this.ignoreGone(this.rtnl.deleteFdbEntry({ index: dev.index, lladdr: e.lladdr, ...(e.dst !== undefined ? { dst: e.dst } : {}) }));
      }
    });
  }

  /** Deletes the device, and with it every neighbour and FDB entry on it (and the kernel's routes through it). */
  cleanup(): Promise<void> {
    return this.serial.run(async () => {
      const dev = await this.rtnl.getLink(this.device);
      if (dev) await this.ignoreGone(this.rtnl.deleteLink({ index: dev.index }));
      this.forgetEntries();
    });
  }

  /** The device's MTU for the current underlay (what the pods' MTU must not exceed). */
  async mtu(): Promise<number> {
    return (await this.desired()).mtu;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtnl.close();
  }

  private async ensureNow(nextHop: string, remote: VxlanRemote): Promise<TunnelEndpoint> {
    const nodeIP = canonicalAddress(nextHop);
    if (familyOf(nodeIP) !== this.family) {
      throw new TunnelError(
        `VXLAN to ${nodeIP}: the device ${this.device} runs over ${familyName(this.family)} (local ${this.nodeIP}); ` +
          `a ${familyName(familyOf(nodeIP))} node IP cannot be its remote`,
      );
    }
    const cidrs = remote.podCidrs ?? [];
    if (cidrs.length === 0) {
      throw new TunnelError(`VXLAN to ${nodeIP}${remote.node ? ` (node ${remote.node})` : ''}: no pod CIDRs, so no VTEP IP to route through`);
    }
    const vteps = cidrs.map(vtepAddress);
    const dev = await this.ensureDevice();
    const mac = vtepMac(nodeIP);

    // One lookup per entry, so a reconcile over all nodes stays linear in the number of nodes.
    for (const vtep of vteps) {
      const n = await getNeighbour(this.rtnl, dev.index, vtep);
      if (n && neighbourMatches(n, mac)) continue;
      await this.rtnl.addNeighbour({ index: dev.index, address: vtep, lladdr: mac, state: NUD_PERMANENT }, 'replace');
    }
    await this.dropFormerVteps(dev.index, nodeIP, mac, vteps);

    const fdb = await getFdbEntry(this.rtnl, dev.index, mac);
    if (!fdb || fdb.dst === undefined || canonicalAddress(fdb.dst) !== nodeIP) {
      // Missing, or pointing elsewhere: remove every destination of this MAC, then add the one wanted.
      if (fdb) {
        for (const e of await this.rtnl.listFdbEntries(dev.index)) {
          if (e.lladdr.toLowerCase() !== mac) continue;
          await this.ignoreGone(this.rtnl.deleteFdbEntry({ index: dev.index, lladdr: e.lladdr, ...(e.dst !== undefined ? { dst: e.dst } : {}) }));
        }
      }
      await this.rtnl.addFdbEntry({ index: dev.index, lladdr: mac, dst: nodeIP }, 'append');
    }

    const gateway = vteps.find((v) => familyOf(v) === this.family) ?? vteps[0]!;
    return { ifindex: dev.index, name: dev.name, gateway, onlink: true };
  }

  /**
   * Removes neighbour entries for VTEP IPs the node no longer has (its pod CIDRs changed). What was ensured is
   * remembered per node; for a node not yet ensured by this process, the device's entries as read once (the first
   * time any node needs them) stand in, so leftovers from before a restart go too, without a dump per node.
   */
  private async dropFormerVteps(index: number, nodeIP: string, mac: string, vteps: readonly string[]): Promise<void> {
    let before = this.vtepsByNode.get(nodeIP);
    if (before === undefined) {
      if (this.startupEntries === undefined) {
        this.startupEntries = new Map();
        for (const n of await this.rtnl.listNeighbours()) {
          if (n.index !== index || n.lladdr === undefined || (n.state & NUD_PERMANENT) === 0) continue;
          const key = n.lladdr.toLowerCase();
          this.startupEntries.set(key, [...(this.startupEntries.get(key) ?? []), n.address]);
        }
      }
      before = this.startupEntries.get(mac) ?? [];
    }
    for (const address of before) if (!vteps.includes(address)) await this.ignoreGone(this.rtnl.deleteNeighbour({ index, address }));
    this.vtepsByNode.set(nodeIP, [...vteps]);
  }

  private async desired(): Promise<DesiredVxlan> {
    const under = await this.rtnl.getLink(this.underlay);
    if (!under) throw new TunnelError(`VXLAN underlay interface ${String(this.underlay)} does not exist`);
    if (under.mtu === undefined) throw new TunnelError(`VXLAN underlay interface ${under.name} reports no MTU`);
    return desiredVxlan(this.device, this.vni, this.port, this.nodeIP, this.family, under.index, under.mtu);
  }

  /** The device as wanted: recreated on a VNI/port/local/underlay/learning mismatch, adjusted in place otherwise. */
  private async ensureDevice(): Promise<DecodedLink> {
    const want = await this.desired();
    let dev = await this.rtnl.getLink(this.device);
    if (dev && vxlanMismatch(dev, want) !== undefined) {
      await this.ignoreGone(this.rtnl.deleteLink({ index: dev.index }));
      dev = undefined;
    }
    if (!dev) {
      this.forgetEntries(); // a new device starts with no entries
      try {
        await this.rtnl.addLink(vxlanLink(want));
      } catch (e) {
        throw new TunnelError(`create VXLAN device ${this.device}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      dev = await this.rtnl.getLink(this.device);
      if (!dev) throw new TunnelError(`VXLAN device ${this.device} vanished right after it was created`);
    } else {
      const change = vxlanAdjustment(dev, want);
      if (change) await this.rtnl.setLink(change);
    }
    await this.ensureLocalVteps(dev.index);
    return dev;
  }

  /**
   * This node's VTEP IPs on the device, and no others: the device is kroute's, so any other global address on it is
   * a former VTEP (the node's pod CIDR changed). The kernel's IPv6 link-local address stays.
   */
  private async ensureLocalVteps(index: number): Promise<void> {
    // Without pod CIDRs configured the addresses are not managed (removing the last IPv4 one would flush routes).
    if (this.localVteps.length === 0) return;
    const have = (await this.rtnl.listAddresses()).filter((a) => a.index === index && !a.address.startsWith(IPV6_LINK_LOCAL_PREFIX));
    // Add before removing: when a device loses its last IPv4 address the kernel flushes every route through it.
    for (const a of this.localVteps) {
      if (!have.some((h) => h.address === a)) await this.rtnl.addAddress({ index, address: a, nodad: true });
    }
    for (const a of have) {
      if (!this.localVteps.includes(a.address)) await this.ignoreGone(this.rtnl.deleteAddress({ index, address: a.address }));
    }
  }

  private forgetEntries(): void {
    this.vtepsByNode.clear();
    this.startupEntries = undefined;
  }

  private async ignoreGone(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (e) {
      // Removed by someone else between our dump and the delete: the goal is met.
      if (e instanceof NetlinkError && (e.code === 'ENOENT' || e.code === 'ENODEV')) return;
      throw e;
    }
  }
}
