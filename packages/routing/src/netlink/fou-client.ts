/**
 * FouClient: FOU receive ports over generic netlink (resolving the "fou" family id first).
 * @packageDocumentation
 */
import { FOU_GENL_NAME, GENL_ID_CTRL, NETLINK_GENERIC } from './constants.js';
import { addFouRequest, decodeFouPort, deleteFouRequest, dumpFouRequest, type DecodedFouPort, type FouPort } from './fou.js';
import { decodeGenlFamily, getFamilyRequest, type GenlFamily } from './genl.js';
import { NetlinkSocket, type NetlinkSocketOptions } from './socket.js';

/** Resolves a generic-netlink family by name; rejects with ENOENT when the kernel does not have it. */
export async function resolveGenlFamily(socket: NetlinkSocket, name: string): Promise<GenlFamily> {
  const messages = await socket.request(getFamilyRequest(name));
  const m = messages.find((x) => x.type === GENL_ID_CTRL);
  if (!m) throw new Error(`resolve generic netlink family ${name}: no answer`);
  return decodeGenlFamily(m.payload);
}

export type FouClientOptions = Omit<NetlinkSocketOptions, 'protocol' | 'groups'>;

export class FouClient {
  private constructor(
    readonly socket: NetlinkSocket,
    /** The "fou" family as the kernel registered it. */
    readonly family: GenlFamily,
  ) {}

  /**
   * Opens a generic-netlink socket (in `options.netns` when given) and resolves the fou family. Rejects with a
   * NetlinkError (ENOENT) when the kernel has no fou module, as `ip fou` reports it.
   */
  static async open(options: FouClientOptions = {}): Promise<FouClient> {
    const socket = NetlinkSocket.open({ ...options, protocol: NETLINK_GENERIC });
    try {
      return new FouClient(socket, await resolveGenlFamily(socket, FOU_GENL_NAME));
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  async addPort(port: FouPort): Promise<void> {
    await this.socket.request(addFouRequest(this.family.id, port));
  }

  async deletePort(port: FouPort): Promise<void> {
    await this.socket.request(deleteFouRequest(this.family.id, port));
  }

  async listPorts(): Promise<DecodedFouPort[]> {
    const messages = await this.socket.request(dumpFouRequest(this.family.id));
    return messages.filter((m) => m.type === this.family.id).map((m) => decodeFouPort(m.payload));
  }

  close(): void {
    this.socket.close();
  }
}
