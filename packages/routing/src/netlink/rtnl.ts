/**
 * Rtnl: a typed rtnetlink client (routes, links, addresses, rules, neighbours, FDB) over one {@link NetlinkSocket}.
 * Every change is acknowledged by the kernel; a refusal rejects with a {@link NetlinkError} that names the
 * operation and object. For bulk work build requests with the codec's `*Request` functions and use {@link Rtnl.batch}.
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { AF_BRIDGE, AF_INET, AF_INET6, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_NEWRULE } from './constants.js';
import { decodeAddress, deleteAddressRequest, dumpAddressesRequest, newAddressRequest, type Address, type DecodedAddress } from './address.js';
import { NetlinkError } from './errors.js';
import type { IpFamily } from './ip.js';
import { decodeLink, deleteLinkRequest, dumpLinksRequest, getLinkRequest, newLinkRequest, setLinkRequest, type DecodedLink, type Link } from './link.js';
import {
  decodeFdbEntry,
  decodeNeighbour,
  deleteFdbRequest,
  deleteNeighbourRequest,
  dumpNeighboursRequest,
  isFdbPayload,
  newFdbRequest,
  newNeighbourRequest,
  type DecodedFdbEntry,
  type DecodedNeighbour,
  type FdbEntry,
  type Neighbour,
} from './neighbour.js';
import type { NetlinkMessage } from './reader.js';
import type { ChangeMode, NetlinkRequest } from './request.js';
import { decodeRoute, deleteRouteRequest, dumpRoutesRequest, newRouteRequest, type DecodedRoute, type Route } from './route.js';
import { decodeRule, deleteRuleRequest, dumpRulesRequest, newRuleRequest, type DecodedRule, type Rule } from './rule.js';
import { NetlinkSocket, type BatchResult, type NetlinkSocketOptions } from './socket.js';

const { EINTR, ENODEV } = osConstants.errno;
/** A dump that races a concurrent change is flagged NLM_F_DUMP_INTR; we retry it this many times. */
const DUMP_ATTEMPTS = 5;

/** Which routes {@link Rtnl.listRoutes} returns. */
export interface RouteFilter {
  /** AF_INET or AF_INET6; default both. */
  family?: IpFamily;
  table?: number;
  protocol?: number;
  /** Output interface index. */
  oif?: number;
}

/** Options for {@link Rtnl.open}: those of the underlying socket (netns, buffer sizes, batch size). */
export type RtnlOptions = Omit<NetlinkSocketOptions, 'protocol' | 'groups'>;

export class Rtnl {
  /** The underlying socket, for custom requests. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /** Opens an rtnetlink client, in `options.netns` when given. */
  static open(options: RtnlOptions = {}): Rtnl {
    return new Rtnl(NetlinkSocket.open(options));
  }

  close(): void {
    this.socket.close();
  }

  /** Sends one request; resolves with its answer messages or rejects with a NetlinkError. */
  execute(request: NetlinkRequest): Promise<NetlinkMessage[]> {
    return this.socket.request(request);
  }

  /** Sends many requests with one result each (see {@link NetlinkSocket.batch}). */
  batch(requests: readonly NetlinkRequest[]): Promise<BatchResult[]> {
    return this.socket.batch(requests);
  }

  /** Runs a dump, retrying when the kernel flags it as interrupted by a concurrent change. */
  async dump(request: NetlinkRequest): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.socket.request(request);
      } catch (e) {
        if (!(e instanceof NetlinkError) || e.errno !== EINTR || attempt >= DUMP_ATTEMPTS) throw e;
      }
    }
  }

  // --- routes -------------------------------------------------------------------------------------------------------

  async addRoute(route: Route, mode: ChangeMode = 'add'): Promise<void> {
    await this.execute(newRouteRequest(route, mode));
  }

  async replaceRoute(route: Route): Promise<void> {
    await this.execute(newRouteRequest(route, 'replace'));
  }

  async deleteRoute(route: Route): Promise<void> {
    await this.execute(deleteRouteRequest(route));
  }

  /** Every route (all tables) matching `filter`. */
  async listRoutes(filter: RouteFilter = {}): Promise<DecodedRoute[]> {
    const messages = await this.dump(dumpRoutesRequest(filter.family ?? 0));
    const out: DecodedRoute[] = [];
    for (const m of messages) {
      if (m.type !== RTM_NEWROUTE) continue;
      const r = decodeRoute(m.payload);
      if (filter.table !== undefined && r.table !== filter.table) continue;
      if (filter.protocol !== undefined && r.protocol !== filter.protocol) continue;
      if (filter.oif !== undefined && r.oif !== filter.oif) continue;
      out.push(r);
    }
    return out;
  }

  // --- links --------------------------------------------------------------------------------------------------------

  async addLink(link: Link, mode: ChangeMode = 'add'): Promise<void> {
    await this.execute(newLinkRequest(link, mode));
  }

  /** Changes an existing link (flags, MTU, master, ...); identify it by `index` (or `name` alone). */
  async setLink(link: Link): Promise<void> {
    await this.execute(setLinkRequest(link));
  }

  async deleteLink(link: Pick<Link, 'index' | 'name'>): Promise<void> {
    await this.execute(deleteLinkRequest(link));
  }

  /** One link by name or index, or undefined if there is none. */
  async getLink(link: Pick<Link, 'index' | 'name'> | string | number): Promise<DecodedLink | undefined> {
    const key = typeof link === 'string' ? { name: link } : typeof link === 'number' ? { index: link } : link;
    try {
      const messages = await this.execute(getLinkRequest(key));
      const m = messages.find((x) => x.type === RTM_NEWLINK);
      return m ? decodeLink(m.payload) : undefined;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENODEV) return undefined;
      throw e;
    }
  }

  async listLinks(): Promise<DecodedLink[]> {
    const messages = await this.dump(dumpLinksRequest());
    return messages.filter((m) => m.type === RTM_NEWLINK).map((m) => decodeLink(m.payload));
  }

  // --- addresses ----------------------------------------------------------------------------------------------------

  async addAddress(address: Address, mode: ChangeMode = 'add'): Promise<void> {
    await this.execute(newAddressRequest(address, mode));
  }

  async deleteAddress(address: Address): Promise<void> {
    await this.execute(deleteAddressRequest(address));
  }

  async listAddresses(family: IpFamily | 0 = 0): Promise<DecodedAddress[]> {
    const messages = await this.dump(dumpAddressesRequest(family));
    return messages.filter((m) => m.type === RTM_NEWADDR).map((m) => decodeAddress(m.payload));
  }

  // --- rules --------------------------------------------------------------------------------------------------------

  async addRule(rule: Rule): Promise<void> {
    await this.execute(newRuleRequest(rule));
  }

  async deleteRule(rule: Rule): Promise<void> {
    await this.execute(deleteRuleRequest(rule));
  }

  /** Rules of one family, or of both when omitted. */
  async listRules(family?: IpFamily): Promise<DecodedRule[]> {
    const families: IpFamily[] = family !== undefined ? [family] : [AF_INET, AF_INET6];
    const out: DecodedRule[] = [];
    for (const f of families) {
      const messages = await this.dump(dumpRulesRequest(f));
      for (const m of messages) if (m.type === RTM_NEWRULE) out.push(decodeRule(m.payload));
    }
    return out;
  }

  // --- neighbours and FDB -------------------------------------------------------------------------------------------

  async addNeighbour(neighbour: Neighbour, mode: ChangeMode = 'add'): Promise<void> {
    await this.execute(newNeighbourRequest(neighbour, mode));
  }

  async deleteNeighbour(neighbour: Neighbour): Promise<void> {
    await this.execute(deleteNeighbourRequest(neighbour));
  }

  async listNeighbours(family?: IpFamily): Promise<DecodedNeighbour[]> {
    const families: IpFamily[] = family !== undefined ? [family] : [AF_INET, AF_INET6];
    const out: DecodedNeighbour[] = [];
    for (const f of families) {
      const messages = await this.dump(dumpNeighboursRequest(f));
      for (const m of messages) if (m.type === RTM_NEWNEIGH && !isFdbPayload(m.payload)) out.push(decodeNeighbour(m.payload));
    }
    return out;
  }

  /** Adds an FDB entry; default mode 'append' (another destination for the same MAC is allowed). */
  async addFdbEntry(entry: FdbEntry, mode: ChangeMode = 'append'): Promise<void> {
    await this.execute(newFdbRequest(entry, mode));
  }

  async deleteFdbEntry(entry: FdbEntry): Promise<void> {
    await this.execute(deleteFdbRequest(entry));
  }

  /** FDB entries, optionally of one device. */
  async listFdbEntries(index?: number): Promise<DecodedFdbEntry[]> {
    const messages = await this.dump(dumpNeighboursRequest(AF_BRIDGE));
    const out: DecodedFdbEntry[] = [];
    for (const m of messages) {
      if (m.type !== RTM_NEWNEIGH || !isFdbPayload(m.payload)) continue;
      const e = decodeFdbEntry(m.payload);
      if (index === undefined || e.index === index) out.push(e);
    }
    return out;
  }
}
