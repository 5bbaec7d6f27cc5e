// One peer's encoded UPDATEs on their way to the transport. The speaker generates a batch only when the outbox is
// empty, and the outbox stops feeding the connection when it signals backpressure and resumes on 'writable': a slow
// peer holds at most one batch here plus the connection's bounded queue, and KEEPALIVEs (control priority) still
// go out ahead of it.
import type { BgpConnection } from '../transport/connection.js';
import type { Session } from '../session/session.js';

/** A raw message that must stay in UPDATE order (RFC 7313 BoRR/EoRR around a re-sent table). */
export interface OrderedControl {
  readonly ordered: Uint8Array;
}

export type OutboxItem = Uint8Array | OrderedControl;

export class Outbox {
  private items: OutboxItem[] = [];
  private head = 0;
  private blocked = false;
  private connection: BgpConnection | undefined;
  private readonly onWritable = (): void => {
    this.blocked = false;
    this.pump();
  };

  constructor(
    private readonly session: Session,
    /** Called when everything queued was handed to the transport (the speaker may generate the next batch). */
    private readonly drained: () => void,
  ) {}

  /** The session is Established on this connection. */
  attach(connection: BgpConnection): void {
    this.detach();
    this.connection = connection;
    connection.on('writable', this.onWritable);
  }

  /** The session is gone: drop everything queued. */
  detach(): void {
    this.connection?.off('writable', this.onWritable);
    this.connection = undefined;
    this.items = [];
    this.head = 0;
    this.blocked = false;
  }

  get idle(): boolean {
    return this.connection !== undefined && !this.blocked && this.head === this.items.length;
  }

  get pending(): number {
    return this.items.length - this.head;
  }

  push(item: OutboxItem): void {
    this.items.push(item);
  }

  /** Hands queued messages to the connection until it pushes back. */
  pump(): void {
    const c = this.connection;
    if (c === undefined || this.blocked) return;
    while (this.head < this.items.length) {
      if (c.closed) return;
      const item = this.items[this.head]!;
      this.items[this.head++] = EMPTY;
      const ok = item instanceof Uint8Array ? this.session.sendUpdate(item) : c.send(item.ordered, 'update');
      if (!ok) {
        this.blocked = true;
        if (this.head === this.items.length) this.reset();
        return;
      }
    }
    this.reset();
    this.drained();
  }

  private reset(): void {
    this.items = [];
    this.head = 0;
  }
}

const EMPTY = new Uint8Array(0);
