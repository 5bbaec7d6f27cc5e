/**
 * TunnelManager: the ipip / ip6tnl overlay, plain or inside GUE (`--overlay-encap=ipip|fou`), programmed over
 * rtnetlink and the FOU generic-netlink family only. Implements the reconciler's TunnelBackend: it owns the `tun-*`
 * links and the FOU receive ports; the routes through them are the reconciler's.
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { AF_INET, AF_INET6, FouClient, NetlinkError, Rtnl, type DecodedLink, type IpFamily, type TunnelBackend, type TunnelEndpoint } from '@kroute/routing';
import { canonicalAddress, familyOf } from './address.js';
import { KernelSupportError, TunnelError } from './errors.js';
import { modprobe, type ModuleLoader } from './kernel-modules.js';
import {
  DEFAULT_FOU_PORT,
  checkFouPort,
  desiredTunnel,
  fouKey,
  fouPortsInUse,
  isOwnedTunnel,
  orphanedTunnels,
  tunnelLink,
  tunnelMismatch,
  type DesiredTunnel,
  type TunnelEncap,
} from './tunnel-spec.js';
import { Serial } from './serial.js';

const { ENOENT, EEXIST } = osConstants.errno;

/** The module each family's GUE encapsulation lives in. */
const FOU_MODULES: Record<IpFamily, string> = { [AF_INET]: 'fou', [AF_INET6]: 'fou6' };

export interface TunnelManagerOptions {
  /** `ipip` (ipip for IPv4 next hops, ip6tnl for IPv6) or `fou` (the same inside GUE). */
  encap: TunnelEncap;
  /**
   * This node's addresses the tunnels start from (kube-router: the node's primary IP of each family). A next hop of
   * a family with no local address here is an error.
   */
  localAddresses: readonly string[];
  /** GUE destination port and local receive port, per family (`--overlay-encap-port`). Default 5555. */
  fouPort?: number;
  /** Network namespace to work in (a name under /run/netns, or a path); default the current one. */
  netns?: string;
  /** Loads `fou` / `fou6` when GUE needs them; default `modprobe`. */
  loadModule?: ModuleLoader;
}

/** What ensure() did, for logs and the API (`kroute tunnels`). */
export type EnsureOutcome = 'unchanged' | 'created' | 'recreated' | 'raised';

/** An owned tunnel link as the kernel reports it (`GET /api/v1/tunnels`, `kroute tunnels`). */
export interface TunnelLinkInfo {
  name: string;
  ifindex: number;
  kind: string;
  local?: string;
  remote?: string;
  encap: 'none' | 'fou' | 'gue';
  encapPort?: number;
  mtu?: number;
  up: boolean;
}

export class TunnelManager implements TunnelBackend {
  readonly encap: TunnelEncap;
  readonly fouPort: number;
  private readonly local = new Map<IpFamily, string>();
  private readonly rtnl: Rtnl;
  private readonly netns: string | undefined;
  private readonly loadModule: ModuleLoader;
  private fou: FouClient | undefined;
  private readonly serial = new Serial();
  private closed = false;
  /** The last ensure()'s outcome per link name (observability; tests use it too). */
  readonly lastOutcome = new Map<string, EnsureOutcome>();

  constructor(options: TunnelManagerOptions) {
    if (options.encap !== 'ipip' && options.encap !== 'fou') {
      throw new TunnelError(`overlay encap ${JSON.stringify(options.encap)}: TunnelManager builds ipip or fou`);
    }
    this.encap = options.encap;
    this.fouPort = options.fouPort ?? DEFAULT_FOU_PORT;
    checkFouPort(this.fouPort);
    for (const a of options.localAddresses) {
      const address = canonicalAddress(a);
      const family = familyOf(address);
      if (this.local.has(family)) throw new TunnelError(`two local addresses of one family: ${this.local.get(family)} and ${address}`);
      this.local.set(family, address);
    }
    this.netns = options.netns;
    this.loadModule = options.loadModule ?? modprobe;
    this.rtnl = Rtnl.open(this.netns !== undefined ? { netns: this.netns } : {});
  }

  /** Makes the link towards `nextHop` exist, be right and be up; an unchanged link gets no netlink change at all. */
  ensure(nextHop: string): Promise<TunnelEndpoint> {
    return this.serial.run(() => this.ensureNow(nextHop));
  }

  /**
   * `--dry-run`: the link towards `nextHop` if it exists and is right now; nothing is created or changed (an
   * existing but wrong link would be recreated, so it is not reported as the endpoint).
   */
  async peek(nextHop: string): Promise<TunnelEndpoint | undefined> {
    const remote = canonicalAddress(nextHop);
    const family = familyOf(remote);
    const local = this.local.get(family);
    if (local === undefined) return undefined;
    const want = desiredTunnel(remote, local, family, this.encap, this.fouPort);
    const existing = await this.rtnl.getLink(want.name);
    if (!existing || tunnelMismatch(existing, want) !== undefined) return undefined;
    return { ifindex: existing.index, name: existing.name };
  }

  /** Deletes owned `tun-*` links for next hops not in `keep`, then FOU ports no link uses any more. */
  sweep(keep: ReadonlySet<string>): Promise<void> {
    return this.serial.run(async () => {
      const wanted = [...keep].map(canonicalAddress);
      const links = await this.rtnl.listLinks();
      const orphans = orphanedTunnels(links, wanted);
      for (const l of orphans) await this.deleteLink(l);
      await this.releaseUnusedFouPorts(links.filter((l) => !orphans.includes(l)));
    });
  }

  /** Deletes every owned `tun-*` link and kroute's FOU ports (when no other link still sends to them). */
  cleanup(): Promise<void> {
    return this.serial.run(async () => {
      const links = await this.rtnl.listLinks();
      const owned = links.filter(isOwnedTunnel);
      for (const l of owned) await this.deleteLink(l);
      await this.releaseUnusedFouPorts(links.filter((l) => !owned.includes(l)));
    });
  }

  /** The owned `tun-*` links now in the kernel. */
  async list(): Promise<TunnelLinkInfo[]> {
    const links = (await this.rtnl.listLinks()).filter(isOwnedTunnel);
    return links.map((l) => {
      const t = l.info?.tunnel;
      const encap = t?.encap?.type ?? 'none';
      return {
        name: l.name,
        ifindex: l.index,
        kind: l.info?.kind ?? 'unknown',
        ...(t?.local !== undefined ? { local: t.local } : {}),
        ...(t?.remote !== undefined ? { remote: t.remote } : {}),
        encap,
        ...(encap !== 'none' && t?.encap?.dport !== undefined ? { encapPort: t.encap.dport } : {}),
        ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
        up: l.up === true,
      };
    });
  }

  /** Closes the netlink sockets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtnl.close();
    this.fou?.close();
  }

  private async ensureNow(nextHop: string): Promise<TunnelEndpoint> {
    const remote = canonicalAddress(nextHop);
    const family = familyOf(remote);
    const local = this.local.get(family);
    if (local === undefined) {
      throw new TunnelError(`tunnel to ${remote}: this node has no ${family === AF_INET6 ? 'IPv6' : 'IPv4'} address to start it from`);
    }
    const want = desiredTunnel(remote, local, family, this.encap, this.fouPort);
    if (want.guePort !== undefined) await this.ensureFouPort(family);
    const existing = await this.rtnl.getLink(want.name);
    if (existing) {
      const why = tunnelMismatch(existing, want);
      if (why === undefined) {
        if (existing.up) {
          this.lastOutcome.set(want.name, 'unchanged');
          return { ifindex: existing.index, name: existing.name };
        }
        await this.rtnl.setLink({ index: existing.index, up: true });
        this.lastOutcome.set(want.name, 'raised');
        return { ifindex: existing.index, name: existing.name };
      }
      await this.deleteLink(existing);
      const endpoint = await this.create(want);
      this.lastOutcome.set(want.name, 'recreated');
      // The replaced link may have been the last one sending GUE to a port (encap switched fou → ipip).
      if (existing.info?.tunnel?.encap && existing.info.tunnel.encap.type !== 'none') await this.releaseUnusedFouPorts();
      return endpoint;
    }
    const endpoint = await this.create(want);
    this.lastOutcome.set(want.name, 'created');
    return endpoint;
  }

  private async create(want: DesiredTunnel): Promise<TunnelEndpoint> {
    try {
      await this.rtnl.addLink(tunnelLink(want));
    } catch (e) {
      throw this.kernelError(`create ${want.kind} link ${want.name} ${want.local} → ${want.remote}`, e);
    }
    const created = await this.rtnl.getLink(want.name);
    if (!created) throw new TunnelError(`link ${want.name} vanished right after it was created`);
    return { ifindex: created.index, name: created.name };
  }

  private async deleteLink(link: DecodedLink): Promise<void> {
    this.lastOutcome.delete(link.name);
    try {
      await this.rtnl.deleteLink({ index: link.index });
    } catch (e) {
      // Someone else removed it between our dump and the delete: the goal is met.
      if (e instanceof NetlinkError && e.code === 'ENODEV') return;
      throw e;
    }
  }

  /** The FOU client, loading `fou` first when the family is missing (no autoload for genetlink). */
  private async fouClient(load: boolean): Promise<FouClient | undefined> {
    if (this.fou) return this.fou;
    const opts = this.netns !== undefined ? { netns: this.netns } : {};
    try {
      this.fou = await FouClient.open(opts);
    } catch (e) {
      if (!(e instanceof NetlinkError && e.errno === ENOENT)) throw e;
      if (!load) return undefined; // no fou module: no FOU ports can exist
      await this.loadModule(FOU_MODULES[AF_INET]);
      try {
        this.fou = await FouClient.open(opts);
      } catch (again) {
        throw new KernelSupportError('the kernel has no FOU generic-netlink family even after loading fou', { cause: again });
      }
    }
    return this.fou;
  }

  private async ensureFouPort(family: IpFamily): Promise<void> {
    const fou = (await this.fouClient(true))!;
    // ip6tnl's GUE encapsulation is registered by fou6, which nothing autoloads either.
    if (family === AF_INET6) await this.loadModule(FOU_MODULES[AF_INET6]);
    const ports = await fou.listPorts();
    if (ports.some((p) => p.family === family && p.port === this.fouPort && p.type === 'gue')) return;
    try {
      await fou.addPort({ port: this.fouPort, family, type: 'gue' });
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === EEXIST) {
        throw new TunnelError(`FOU port ${this.fouPort} (${family === AF_INET6 ? 'IPv6' : 'IPv4'}) exists but is not a GUE port`, {
          cause: e,
        });
      }
      throw this.kernelError(`add FOU port ${this.fouPort}`, e);
    }
  }

  /** Deletes kroute's FOU port of each family when no link sends to it any more. */
  private async releaseUnusedFouPorts(links?: readonly DecodedLink[]): Promise<void> {
    const fou = await this.fouClient(false);
    if (!fou) return;
    const current = links ?? (await this.rtnl.listLinks());
    const used = fouPortsInUse(current);
    for (const p of await fou.listPorts()) {
      if (p.port !== this.fouPort || used.has(fouKey(p.family, p.port))) continue;
      try {
        await fou.deletePort({ port: p.port, family: p.family });
      } catch (e) {
        if (!(e instanceof NetlinkError && e.errno === ENOENT)) throw e;
      }
    }
  }

  private kernelError(what: string, e: unknown): Error {
    if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP') {
      return new KernelSupportError(`${what}: the kernel does not support this link type (${e.message})`, { cause: e });
    }
    return e instanceof Error ? new TunnelError(`${what}: ${e.message}`, { cause: e }) : new TunnelError(`${what}: ${String(e)}`);
  }
}
