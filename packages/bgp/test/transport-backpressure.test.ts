// Backpressure and control priority against a peer that does not read: our UPDATE queue stays bounded and signals
// 'backpressure', and a KEEPALIVE sent while megabytes of UPDATEs are queued goes out ahead of them
// (osrg/gobgp#1723 is GoBGP queueing KEEPALIVEs behind UPDATEs until the peer's hold timer expires).
import assert from 'node:assert/strict';
import {
  type BgpConnection,
  BgpListener,
  type CloseReason,
  connectPeer,
  UpdateQueueOverflowError,
} from '../src/transport/index.js';
import { HEADER_LENGTH, MARKER_LENGTH, MessageType } from '../src/wire/constants.js';
import { useLab, waitFor } from '@kroute/testkit';
import { linkedPair, requireNetnsPrivileges } from './transport-lab.js';

const A4 = '10.85.0.1';
const B4 = '10.85.0.2';
const UPDATE_SIZE = 4096;
const HIGH_WATER_MARK = 2 * 1024 * 1024;
const QUEUE_LIMIT = 3 * 1024 * 1024;
/** What node:net and the kernel may hold beyond our queue: node's write buffer (16 KiB + one message) and slack. */
const SOCKET_BUFFER_SLACK = 128 * 1024;

/** A BGP-framed test message: marker, length, type, then a sequence number filling the body. */
function frame(type: number, length: number, seq: number): Uint8Array {
  const buf = Buffer.alloc(length);
  buf.fill(0xff, 0, MARKER_LENGTH);
  buf.writeUInt16BE(length, MARKER_LENGTH);
  buf[MARKER_LENGTH + 2] = type;
  if (length >= HEADER_LENGTH + 4) buf.writeUInt32BE(seq, HEADER_LENGTH);
  return buf;
}

interface Received {
  type: number;
  seq: number;
  offset: number;
}

/** Splits the byte stream into frames (the codec's job in the real speaker; a few lines suffice here). */
function frameReader(conn: BgpConnection): Received[] {
  const out: Received[] = [];
  let pending = Buffer.alloc(0);
  let consumed = 0;
  conn.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    while (pending.length >= HEADER_LENGTH) {
      const length = pending.readUInt16BE(MARKER_LENGTH);
      if (pending.length < length) break;
      const type = pending[MARKER_LENGTH + 2] as number;
      const seq = length >= HEADER_LENGTH + 4 ? pending.readUInt32BE(HEADER_LENGTH) : -1;
      out.push({ type, seq, offset: consumed });
      consumed += length;
      pending = pending.subarray(length);
    }
  });
  return out;
}

describe('transport: backpressure and control-message priority', function () {
  this.timeout(60_000);
  const lab = useLab('bp');
  let nsA: string;
  let nsB: string;
  let listener: BgpListener;
  const open: BgpConnection[] = [];

  before(async () => {
    requireNetnsPrivileges();
    const { a, b } = await linkedPair(lab(), [`${A4}/24`], [`${B4}/24`]);
    nsA = a.name;
    nsB = b.name;
    listener = await BgpListener.listen({ netns: nsA, addresses: ['0.0.0.0'] });
    listener.setPeer(B4);
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.destroy('test done');
  });

  after(async () => {
    await listener?.close();
  });

  /** A connected pair whose reader does not read until told to. */
  async function pair(): Promise<{ writer: BgpConnection; reader: BgpConnection }> {
    const accepted = new Promise<BgpConnection>((resolve) => listener.once('connection', (c) => resolve(c)));
    const writer = await connectPeer({
      host: A4,
      netns: nsB,
      timeoutMs: 5000,
      updateHighWaterMark: HIGH_WATER_MARK,
      updateQueueLimit: QUEUE_LIMIT,
    });
    const reader = await accepted;
    open.push(writer, reader);
    return { writer, reader };
  }

  it('keeps queued UPDATE bytes bounded, signals backpressure, and sends a KEEPALIVE ahead of megabytes of UPDATEs', async () => {
    const { writer, reader } = await pair();
    let backpressure = 0;
    let writable = 0;
    writer.on('backpressure', () => backpressure++);
    writer.on('writable', () => writable++);

    // A well-behaved speaker: generate UPDATEs until send() says stop.
    let seq = 0;
    while (writer.send(frame(MessageType.UPDATE, UPDATE_SIZE, seq++), 'update'));
    assert.equal(backpressure, 1);
    assert.equal(writer.writable, false);
    await new Promise((r) => setTimeout(r, 300)); // let the kernel take all it will from a peer that does not read
    const settled = writer.counters;
    assert.ok(settled.queuedUpdateBytes >= HIGH_WATER_MARK - SOCKET_BUFFER_SLACK, `queued ${settled.queuedUpdateBytes}`);
    assert.ok(settled.queuedBytes <= HIGH_WATER_MARK + SOCKET_BUFFER_SLACK, `queued ${settled.queuedBytes}`);
    assert.equal(backpressure, 1);

    // A speaker that ignores the signal hits the hard limit, and memory stays bounded.
    assert.throws(() => {
      for (;;) writer.send(frame(MessageType.UPDATE, UPDATE_SIZE, seq++), 'update');
    }, UpdateQueueOverflowError);
    seq--; // the refused one was not queued
    assert.ok(writer.counters.queuedUpdateBytes <= QUEUE_LIMIT);
    const updatesSent = seq;

    // KEEPALIVE now: it must come right after the bytes already handed to node:net, before the queued megabytes.
    const before = writer.counters;
    const committed = before.bytesOut + (before.queuedBytes - before.queuedUpdateBytes);
    assert.ok(before.queuedUpdateBytes >= 2 * 1024 * 1024, `only ${before.queuedUpdateBytes} bytes queued`);
    writer.send(frame(MessageType.KEEPALIVE, HEADER_LENGTH, 0), 'control');

    const received = frameReader(reader);
    await waitFor(() => received.length === updatesSent + 1, { what: 'every message to arrive', timeoutMs: 20_000, intervalMs: 50 });
    const keepaliveAt = received.findIndex((m) => m.type === MessageType.KEEPALIVE);
    const keepalive = received[keepaliveAt] as Received;
    assert.equal(keepalive.offset, committed, 'the KEEPALIVE follows exactly what was committed before it');
    const updatesAfter = received.length - keepaliveAt - 1;
    assert.ok(updatesAfter * UPDATE_SIZE >= before.queuedUpdateBytes, `${updatesAfter} UPDATEs overtaken`);
    // UPDATEs themselves arrive complete and in order.
    const updates = received.filter((m) => m.type === MessageType.UPDATE).map((m) => m.seq);
    assert.deepEqual(updates, Array.from({ length: updatesSent }, (_, i) => i));
    assert.ok(writable >= 1, "'writable' once the reader drained the queue");
    assert.equal(writer.writable, true);
    assert.equal(writer.counters.queuedBytes, 0);
    assert.equal(writer.counters.bytesOut, updatesSent * UPDATE_SIZE + HEADER_LENGTH);
    assert.equal(writer.counters.updateMessagesOut, updatesSent);
    assert.equal(writer.counters.controlMessagesOut, 1);
  });

  it('end() after a NOTIFICATION discards queued UPDATEs, delivers the NOTIFICATION, then closes', async () => {
    const { writer, reader } = await pair();
    let seq = 0;
    while (writer.send(frame(MessageType.UPDATE, UPDATE_SIZE, seq++), 'update'));
    const readerClosed = new Promise<CloseReason>((resolve) => reader.once('close', resolve));
    const writerClosed = new Promise<CloseReason>((resolve) => writer.once('close', resolve));
    writer.send(frame(MessageType.NOTIFICATION, HEADER_LENGTH + 4, 0), 'control');
    writer.end('cease');
    assert.ok(writer.counters.updatesDiscarded > 0);
    const received = frameReader(reader);
    assert.deepEqual(await readerClosed, { kind: 'remote' });
    assert.deepEqual(await writerClosed, { kind: 'local', reason: 'cease' });
    const last = received[received.length - 1] as Received;
    assert.equal(last.type, MessageType.NOTIFICATION);
    assert.ok(received.length < seq, 'queued UPDATEs were not sent');
  });
});
