/**
 * Links: RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK / RTM_SETLINK (struct ifinfomsg + IFLA_*), with IFLA_LINKINFO
 * for vxlan, ipip, ip6tnl (including the IFLA_IPTUN_ENCAP_* attributes FoU/GUE needs), bridge and veth.
 * @packageDocumentation
 */
import {
  AF_UNSPEC,
  IFF_UP,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_CARRIER,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_IPTUN_ENCAP_DPORT,
  IFLA_IPTUN_ENCAP_FLAGS,
  IFLA_IPTUN_ENCAP_LIMIT,
  IFLA_IPTUN_ENCAP_SPORT,
  IFLA_IPTUN_ENCAP_TYPE,
  IFLA_IPTUN_FLAGS,
  IFLA_IPTUN_FLOWINFO,
  IFLA_IPTUN_FWMARK,
  IFLA_IPTUN_LINK,
  IFLA_IPTUN_LOCAL,
  IFLA_IPTUN_PMTUDISC,
  IFLA_IPTUN_PROTO,
  IFLA_IPTUN_REMOTE,
  IFLA_IPTUN_TOS,
  IFLA_IPTUN_TTL,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_VXLAN_ID,
  IFLA_VXLAN_LEARNING,
  IFLA_VXLAN_LINK,
  IFLA_VXLAN_LOCAL,
  IFLA_VXLAN_LOCAL6,
  IFLA_VXLAN_PORT,
  IFLA_VXLAN_TTL,
  IPPROTO_IPV6,
  NLM_F_REQUEST,
  IPV6_DEFAULT_TNL_ENCAP_LIMIT,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  TUNNEL_ENCAP_FLAG_CSUM6,
  TUNNEL_ENCAP_FOU,
  TUNNEL_ENCAP_GUE,
  TUNNEL_ENCAP_NONE,
  VETH_INFO_PEER,
} from './constants.js';
import { formatAddress } from './ip.js';
import {
  attrAddress,
  attrBe16,
  attrString,
  attrU16,
  attrU32,
  attrU8,
  formatMac,
  parseAttributes,
  parseMac,
  type Attributes,
} from './reader.js';
import { CHANGE_FLAGS, DUMP_FLAGS, makeRequest, newFlags, type ChangeMode, type NetlinkRequest } from './request.js';
import type { NetlinkWriter } from './writer.js';

/** How a tunnel's packets are wrapped in UDP (IFLA_IPTUN_ENCAP_*). */
export type TunnelEncapType = 'none' | 'fou' | 'gue';

/** UDP encapsulation of an ipip/ip6tnl tunnel: `encap gue encap-sport auto encap-dport 5555`. */
export interface TunnelEncap {
  type: TunnelEncapType;
  /** TUNNEL_ENCAP_FLAG_* (checksums). Default: 0 for ipip, TUNNEL_ENCAP_FLAG_CSUM6 for ip6tnl, as iproute2. */
  flags?: number;
  /** UDP source port; 0 (default) lets the kernel pick per flow ("auto"). */
  sport?: number;
  /** UDP destination port, e.g. the FOU port 5555. */
  dport?: number;
}

/** IFLA_INFO_DATA of an ipip or ip6tnl link. */
export interface IpTunnelInfo {
  local?: string;
  remote?: string;
  /** Underlay interface index (IFLA_IPTUN_LINK); 0 = any. */
  link?: number;
  ttl?: number;
  tos?: number;
  /** Inner protocol (IFLA_IPTUN_PROTO): ipip uses 0 (= IPPROTO_IPIP); ip6tnl 41 for ip6ip6, 4 for ipip6. */
  proto?: number;
  /** ipip: path-MTU discovery (default on, as iproute2). */
  pmtudisc?: boolean;
  fwmark?: number;
  /** ip6tnl: encapsulation limit (default 4). */
  encapLimit?: number;
  /** ip6tnl: flow label info. */
  flowinfo?: number;
  /** ip6tnl: IP6_TNL_F_* flags. */
  flags?: number;
  encap?: TunnelEncap;
}

/** IFLA_INFO_DATA of a vxlan link. */
export interface VxlanInfo {
  /** VNI. */
  id: number;
  /** Local (source) VTEP address, IPv4 or IPv6. */
  local?: string;
  /** Underlay interface index. */
  link?: number;
  /** UDP destination port (IANA 4789; Linux's historical default is 8472). */
  port?: number;
  /** MAC learning; omitted = kernel default (on). Flannel-style overlays turn it off. */
  learning?: boolean;
  ttl?: number;
}

/** The peer end of a veth pair being created. */
export interface VethPeer {
  name: string;
  /** Requested interface index of the peer (0 = kernel picks). */
  index?: number;
}

/**
 * IFLA_LINKINFO: the link kind and its kind-specific data. Exactly the member matching `kind` is used on encode and
 * filled on decode; kinds without a decoder keep just `kind`.
 */
export interface LinkInfo {
  kind: 'vxlan' | 'ipip' | 'ip6tnl' | 'bridge' | 'veth' | (string & {});
  vxlan?: VxlanInfo;
  tunnel?: IpTunnelInfo;
  peer?: VethPeer;
}

/** A network interface. Every field is optional on encode; decode fills what the kernel reports. */
export interface Link {
  /** Interface index; 0/undefined on create lets the kernel choose. */
  index?: number;
  name?: string;
  /** ifi_flags (IFF_*). On encode, only the bits in `change` are applied. */
  flags?: number;
  /** ifi_change: which `flags` bits to change. */
  change?: number;
  /** Convenience: sets/clears IFF_UP in flags and change. */
  up?: boolean;
  mtu?: number;
  /** MAC address `aa:bb:cc:dd:ee:ff`. */
  address?: string;
  /** Master (bridge) index; 0 detaches. */
  master?: number;
  /** Parent link index (IFLA_LINK). */
  link?: number;
  info?: LinkInfo;
}

/** A link as the kernel reports it. */
export interface DecodedLink extends Link {
  index: number;
  name: string;
  flags: number;
  /** ARPHRD_* device type. */
  type: number;
  operstate?: number;
  carrier?: boolean;
}

/** IFLA_EXT_MASK value iproute2 sends with GETLINK: skip VF info and stats we do not read. */
const RTEXT_FILTER_VF = 1 << 0;
const RTEXT_FILTER_SKIP_STATS = 1 << 3;
export const LINK_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS;

const ENCAP_TYPE_CODES: Record<TunnelEncapType, number> = {
  none: TUNNEL_ENCAP_NONE,
  fou: TUNNEL_ENCAP_FOU,
  gue: TUNNEL_ENCAP_GUE,
};

function writeIfinfomsg(w: NetlinkWriter, link: Link): void {
  let flags = link.flags ?? 0;
  let change = link.change ?? 0;
  if (link.up !== undefined) {
    flags = link.up ? flags | IFF_UP : flags & ~IFF_UP;
    change |= IFF_UP;
  }
  w.u8(AF_UNSPEC);
  w.u8(0);
  w.u16(0); // ifi_type: set by the kernel
  w.i32(link.index ?? 0);
  w.u32(flags);
  w.u32(change);
}

function writeTunnelData(w: NetlinkWriter, kind: string, t: IpTunnelInfo): void {
  const v6 = kind === 'ip6tnl';
  // Attribute order and defaults are iproute2's (ip/link_iptnl.c, ip/link_ip6tnl.c), so that our bytes equal its.
  w.attrU8(IFLA_IPTUN_PROTO, t.proto ?? (v6 ? IPPROTO_IPV6 : 0));
  if (t.local !== undefined) w.attrAddress(IFLA_IPTUN_LOCAL, t.local);
  if (t.remote !== undefined) w.attrAddress(IFLA_IPTUN_REMOTE, t.remote);
  if (v6) {
    w.attrU8(IFLA_IPTUN_TTL, t.ttl ?? 64);
    w.attrU8(IFLA_IPTUN_ENCAP_LIMIT, t.encapLimit ?? IPV6_DEFAULT_TNL_ENCAP_LIMIT);
    w.attrU32(IFLA_IPTUN_FLOWINFO, t.flowinfo ?? 0);
    w.attrU32(IFLA_IPTUN_FLAGS, t.flags ?? 0);
  } else {
    w.attrU8(IFLA_IPTUN_PMTUDISC, t.pmtudisc === false ? 0 : 1);
    w.attrU8(IFLA_IPTUN_TOS, t.tos ?? 0);
    w.attrU8(IFLA_IPTUN_TTL, t.ttl ?? 0);
  }
  w.attrU32(IFLA_IPTUN_LINK, t.link ?? 0);
  w.attrU32(IFLA_IPTUN_FWMARK, t.fwmark ?? 0);
  const encap = t.encap ?? { type: 'none' };
  w.attrU16(IFLA_IPTUN_ENCAP_TYPE, ENCAP_TYPE_CODES[encap.type]);
  w.attrU16(IFLA_IPTUN_ENCAP_FLAGS, encap.flags ?? (v6 ? TUNNEL_ENCAP_FLAG_CSUM6 : 0));
  w.attrBe16(IFLA_IPTUN_ENCAP_SPORT, encap.sport ?? 0);
  w.attrBe16(IFLA_IPTUN_ENCAP_DPORT, encap.dport ?? 0);
}

function writeVxlanData(w: NetlinkWriter, v: VxlanInfo): void {
  // iproute2 (ip/iplink_vxlan.c) order: LINK, ID, LOCAL, TTL, LEARNING, PORT.
  if (v.link !== undefined) w.attrU32(IFLA_VXLAN_LINK, v.link);
  w.attrU32(IFLA_VXLAN_ID, v.id);
  if (v.local !== undefined) w.attrAddress(v.local.includes(':') ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, v.local);
  if (v.ttl !== undefined) w.attrU8(IFLA_VXLAN_TTL, v.ttl);
  if (v.learning !== undefined) w.attrU8(IFLA_VXLAN_LEARNING, v.learning ? 1 : 0);
  if (v.port !== undefined) w.attrBe16(IFLA_VXLAN_PORT, v.port);
}

function writeLinkInfo(w: NetlinkWriter, info: LinkInfo): void {
  w.beginNest(IFLA_LINKINFO);
  w.attrStringUnterminated(IFLA_INFO_KIND, info.kind);
  if (info.kind === 'vxlan' && info.vxlan) {
    w.beginNest(IFLA_INFO_DATA);
    writeVxlanData(w, info.vxlan);
    w.endNest();
  } else if ((info.kind === 'ipip' || info.kind === 'ip6tnl') && info.tunnel) {
    w.beginNest(IFLA_INFO_DATA);
    writeTunnelData(w, info.kind, info.tunnel);
    w.endNest();
  } else if (info.kind === 'veth' && info.peer) {
    w.beginNest(IFLA_INFO_DATA);
    w.beginNest(VETH_INFO_PEER);
    writeIfinfomsg(w, { index: info.peer.index ?? 0 });
    w.attrString(IFLA_IFNAME, info.peer.name);
    w.endNest();
    w.endNest();
  }
  w.endNest();
}

/**
 * Writes a complete link message. Attribute order follows iproute2's `ip link add NAME [mtu M] type KIND ...`:
 * MTU, IFNAME, ADDRESS, MASTER, LINK, LINKINFO.
 */
export function encodeLinkMessage(w: NetlinkWriter, type: number, flags: number, link: Link, seq = 0): void {
  w.beginMessage(type, flags, seq);
  writeIfinfomsg(w, link);
  if (link.mtu !== undefined) w.attrU32(IFLA_MTU, link.mtu);
  if (link.name !== undefined) w.attrString(IFLA_IFNAME, link.name);
  if (link.address !== undefined) w.attrBytes(IFLA_ADDRESS, parseMac(link.address));
  if (link.master !== undefined) w.attrU32(IFLA_MASTER, link.master);
  if (link.link !== undefined) w.attrU32(IFLA_LINK, link.link);
  if (link.info) writeLinkInfo(w, link.info);
  w.endMessage();
}

function decodeTunnel(data: Attributes): IpTunnelInfo {
  const t: IpTunnelInfo = {};
  const local = attrAddress(data, IFLA_IPTUN_LOCAL);
  if (local !== undefined) t.local = local;
  const remote = attrAddress(data, IFLA_IPTUN_REMOTE);
  if (remote !== undefined) t.remote = remote;
  const link = attrU32(data, IFLA_IPTUN_LINK);
  if (link !== undefined) t.link = link;
  const ttl = attrU8(data, IFLA_IPTUN_TTL);
  if (ttl !== undefined) t.ttl = ttl;
  const tos = attrU8(data, IFLA_IPTUN_TOS);
  if (tos !== undefined) t.tos = tos;
  const proto = attrU8(data, IFLA_IPTUN_PROTO);
  if (proto !== undefined) t.proto = proto;
  const pmtudisc = attrU8(data, IFLA_IPTUN_PMTUDISC);
  if (pmtudisc !== undefined) t.pmtudisc = pmtudisc !== 0;
  const fwmark = attrU32(data, IFLA_IPTUN_FWMARK);
  if (fwmark !== undefined) t.fwmark = fwmark;
  const encapLimit = attrU8(data, IFLA_IPTUN_ENCAP_LIMIT);
  if (encapLimit !== undefined) t.encapLimit = encapLimit;
  const flowinfo = attrU32(data, IFLA_IPTUN_FLOWINFO);
  if (flowinfo !== undefined) t.flowinfo = flowinfo;
  const flags = attrU32(data, IFLA_IPTUN_FLAGS);
  if (flags !== undefined) t.flags = flags;
  const encapType = attrU16(data, IFLA_IPTUN_ENCAP_TYPE);
  if (encapType !== undefined) {
    const type = (Object.keys(ENCAP_TYPE_CODES) as TunnelEncapType[]).find((k) => ENCAP_TYPE_CODES[k] === encapType);
    t.encap = {
      type: type ?? 'none',
      flags: attrU16(data, IFLA_IPTUN_ENCAP_FLAGS) ?? 0,
      sport: attrBe16(data, IFLA_IPTUN_ENCAP_SPORT) ?? 0,
      dport: attrBe16(data, IFLA_IPTUN_ENCAP_DPORT) ?? 0,
    };
  }
  return t;
}

function decodeVxlan(data: Attributes): VxlanInfo {
  const v: VxlanInfo = { id: attrU32(data, IFLA_VXLAN_ID) ?? 0 };
  const local = attrAddress(data, IFLA_VXLAN_LOCAL) ?? attrAddress(data, IFLA_VXLAN_LOCAL6);
  if (local !== undefined) v.local = local;
  const link = attrU32(data, IFLA_VXLAN_LINK);
  if (link !== undefined) v.link = link;
  const port = attrBe16(data, IFLA_VXLAN_PORT);
  if (port !== undefined) v.port = port;
  const learning = attrU8(data, IFLA_VXLAN_LEARNING);
  if (learning !== undefined) v.learning = learning !== 0;
  const ttl = attrU8(data, IFLA_VXLAN_TTL);
  if (ttl !== undefined) v.ttl = ttl;
  return v;
}

/** Decodes the payload of an RTM_NEWLINK / RTM_DELLINK message. */
export function decodeLink(payload: Buffer): DecodedLink {
  const attrs = parseAttributes(payload, IFINFOMSG_LEN);
  const flags = payload.readUInt32LE(8);
  const link: DecodedLink = {
    type: payload.readUInt16LE(2),
    index: payload.readInt32LE(4),
    flags,
    up: (flags & IFF_UP) !== 0,
    name: attrString(attrs, IFLA_IFNAME) ?? '',
  };
  const mtu = attrU32(attrs, IFLA_MTU);
  if (mtu !== undefined) link.mtu = mtu;
  const address = attrs.get(IFLA_ADDRESS);
  if (address) link.address = address.length === 6 ? formatMac(address) : formatAddress(address);
  const master = attrU32(attrs, IFLA_MASTER);
  if (master !== undefined) link.master = master;
  const parent = attrU32(attrs, IFLA_LINK);
  if (parent !== undefined) link.link = parent;
  const operstate = attrU8(attrs, IFLA_OPERSTATE);
  if (operstate !== undefined) link.operstate = operstate;
  const carrier = attrU8(attrs, IFLA_CARRIER);
  if (carrier !== undefined) link.carrier = carrier !== 0;
  const linkinfo = attrs.get(IFLA_LINKINFO);
  if (linkinfo) {
    const li = parseAttributes(linkinfo);
    const kind = attrString(li, IFLA_INFO_KIND);
    if (kind !== undefined) {
      const info: LinkInfo = { kind };
      const data = li.get(IFLA_INFO_DATA);
      if (data) {
        const d = parseAttributes(data);
        if (kind === 'vxlan') info.vxlan = decodeVxlan(d);
        else if (kind === 'ipip' || kind === 'ip6tnl') info.tunnel = decodeTunnel(d);
      }
      link.info = info;
    }
  }
  return link;
}

function linkName(link: Link): string {
  if (link.name !== undefined) return link.name;
  return link.index !== undefined ? `if${link.index}` : '?';
}

/** `add link tun-e443169117a (ipip)`: how errors name a link. */
export function describeLink(verb: string, link: Link): string {
  const kind = link.info ? ` (${link.info.kind})` : '';
  return `${verb} link ${linkName(link)}${kind}`;
}

/** A request to create a link (`ip link add`), or with 'replace' to create-or-update it. */
export function newLinkRequest(link: Link, mode: ChangeMode = 'add'): NetlinkRequest {
  const flags = newFlags(mode);
  return makeRequest(describeLink(mode, link), false, (w, seq) => encodeLinkMessage(w, RTM_NEWLINK, flags, link, seq));
}

/**
 * A request to change an existing link's flags, MTU, master, ... (`ip link set`). iproute2 sends RTM_NEWLINK
 * without CREATE for this; so do we, which also lets it change IFLA_LINKINFO data.
 */
export function setLinkRequest(link: Link): NetlinkRequest {
  return makeRequest(describeLink('set', link), false, (w, seq) => encodeLinkMessage(w, RTM_NEWLINK, CHANGE_FLAGS, link, seq));
}

/** A request to delete a link by index (preferred) or name. */
export function deleteLinkRequest(link: Pick<Link, 'index' | 'name'>): NetlinkRequest {
  const target: Link = link.index !== undefined ? { index: link.index } : { name: link.name ?? '' };
  return makeRequest(describeLink('delete', link), false, (w, seq) =>
    encodeLinkMessage(w, RTM_DELLINK, CHANGE_FLAGS, target, seq),
  );
}

/**
 * A request for one link by index or name, shaped as iproute2's ll_name_to_index() lookup: NLM_F_REQUEST only, so
 * the answer is the RTM_NEWLINK itself (or an error such as ENODEV).
 */
export function getLinkRequest(link: Pick<Link, 'index' | 'name'>): NetlinkRequest {
  return makeRequest(
    describeLink('get', link),
    false,
    (w, seq) => {
      w.beginMessage(RTM_GETLINK, NLM_F_REQUEST, seq);
      writeIfinfomsg(w, { index: link.index ?? 0 });
      w.attrU32(IFLA_EXT_MASK, LINK_EXT_MASK);
      if (link.index === undefined && link.name !== undefined) w.attrString(IFLA_IFNAME, link.name);
      w.endMessage();
    },
    false,
  );
}

/** A dump of every link. */
export function dumpLinksRequest(): NetlinkRequest {
  return makeRequest('dump links', true, (w, seq) => {
    w.beginMessage(RTM_GETLINK, DUMP_FLAGS, seq);
    writeIfinfomsg(w, {});
    w.attrU32(IFLA_EXT_MASK, LINK_EXT_MASK);
    w.endMessage();
  });
}
