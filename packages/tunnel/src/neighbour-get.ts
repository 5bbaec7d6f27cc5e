/**
 * Single-object neighbour and FDB lookups (RTM_GETNEIGH without NLM_F_DUMP, Linux ≥ 5.0: neigh_get() and
 * rtnl_fdb_get()). The VXLAN backend checks one remote's entries per ensure(); dumping every entry of the device
 * instead made each check O(nodes) and a reconcile O(nodes²). @kroute/routing's codec has only the dumps, so these
 * requests are built here from its exported encoders (they belong in routing's neighbour.ts eventually).
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import {
  NLM_F_REQUEST,
  NTF_SELF,
  NetlinkError,
  RTM_GETNEIGH,
  RTM_NEWNEIGH,
  decodeFdbEntry,
  decodeNeighbour,
  encodeFdbMessage,
  encodeNeighbourMessage,
  makeRequest,
  type DecodedFdbEntry,
  type DecodedNeighbour,
  type NetlinkRequest,
  type Rtnl,
} from '@kroute/routing';

const { ENOENT } = osConstants.errno;

/**
 * `ip neigh get ADDRESS dev IF`. The kernel validates GET headers strictly: state, type and flags must be zero and
 * NDA_DST the only attribute. NLM_F_REQUEST alone: the answer is the RTM_NEWNEIGH itself, or an error.
 */
export function getNeighbourRequest(index: number, address: string): NetlinkRequest {
  return makeRequest(
    `get neighbour ${address} dev if${index}`,
    false,
    (w, seq) => encodeNeighbourMessage(w, RTM_GETNEIGH, NLM_F_REQUEST, { index, address, state: 0, flags: 0 }, seq),
    false,
  );
}

/**
 * `bridge fdb get LLADDR dev IF self`: the device's own (NTF_SELF) entry for a MAC; for vxlan the kernel answers with
 * the entry's first remote. Only NDA_LLADDR (with NDA_VLAN / NDA_VNI) is allowed in the request.
 */
export function getFdbRequest(index: number, lladdr: string): NetlinkRequest {
  return makeRequest(
    `get fdb entry ${lladdr} dev if${index}`,
    false,
    (w, seq) => encodeFdbMessage(w, RTM_GETNEIGH, NLM_F_REQUEST, { index, lladdr, state: 0, flags: NTF_SELF }, seq),
    false,
  );
}

async function getOne<T>(rtnl: Rtnl, request: NetlinkRequest, decode: (payload: Buffer) => T): Promise<T | undefined> {
  try {
    const m = (await rtnl.execute(request)).find((x) => x.type === RTM_NEWNEIGH);
    return m ? decode(m.payload) : undefined;
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === ENOENT) return undefined;
    throw e;
  }
}

/** The neighbour entry for `address` on interface `index`, or undefined. */
export function getNeighbour(rtnl: Rtnl, index: number, address: string): Promise<DecodedNeighbour | undefined> {
  return getOne(rtnl, getNeighbourRequest(index, address), decodeNeighbour);
}

/** The device's FDB entry for `lladdr`, or undefined. */
export function getFdbEntry(rtnl: Rtnl, index: number, lladdr: string): Promise<DecodedFdbEntry | undefined> {
  return getOne(rtnl, getFdbRequest(index, lladdr), decodeFdbEntry);
}
