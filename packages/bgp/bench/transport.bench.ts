// Transport benchmark, inside a private network namespace (loopback only):
//  1. UPDATE throughput to a reader that keeps up (MB/s, messages/s).
//  2. KEEPALIVE latency while the UPDATE queue is kept full and the reader is slow (rate-limited), with control
//     priority ('control') against a plain FIFO (the KEEPALIVE queued as 'update', as GoBGP does: osrg/gobgp#1723).
// Run: npm run bench -w @kroute/bgp (after building). Needs root.
import { requireNetns, withLab, type Netns } from '@kroute/testkit';
import { type BgpConnection, BgpListener, connectPeer, type MessagePriority } from '../src/transport/index.js';
import { HEADER_LENGTH, MARKER_LENGTH, MessageType } from '../src/wire/constants.js';

const HOST = '127.0.0.1';
const UPDATE_SIZE = 4096;
const THROUGHPUT_BYTES = 512 * 1024 * 1024;
const SLOW_READER_BYTES_PER_S = 20 * 1024 * 1024;
const READER_WINDOW_MS = 20;
const KEEPALIVE_EVERY_MS = 50;
const LATENCY_RUN_MS = 4000;
const HIGH_WATER_MARK = 4 * 1024 * 1024;

function frame(type: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  buf.fill(0xff, 0, MARKER_LENGTH);
  buf.writeUInt16BE(length, MARKER_LENGTH);
  buf[MARKER_LENGTH + 2] = type;
  return buf;
}

/** Calls onFrame(type, body) for every framed message; keepalives carry an 8-byte send timestamp. */
function onFrames(conn: BgpConnection, onFrame: (type: number, frame: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  conn.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    let at = 0;
    while (pending.length - at >= HEADER_LENGTH) {
      const length = pending.readUInt16BE(at + MARKER_LENGTH);
      if (pending.length - at < length) break;
      onFrame(pending[at + MARKER_LENGTH + 2] as number, pending.subarray(at, at + length));
      at += length;
    }
    pending = pending.subarray(at);
  });
}

async function connectedPair(ns: Netns, listener: BgpListener): Promise<{ writer: BgpConnection; reader: BgpConnection }> {
  const accepted = new Promise<BgpConnection>((resolve) => listener.once('connection', (c) => resolve(c)));
  const writer = await connectPeer({ host: HOST, netns: ns.name, timeoutMs: 5000, updateHighWaterMark: HIGH_WATER_MARK });
  return { writer, reader: await accepted };
}

async function throughput(ns: Netns, listener: BgpListener): Promise<void> {
  const { writer, reader } = await connectedPair(ns, listener);
  const update = frame(MessageType.UPDATE, UPDATE_SIZE);
  const total = THROUGHPUT_BYTES / UPDATE_SIZE;
  let received = 0;
  let sent = 0;
  const started = process.hrtime.bigint();
  const done = new Promise<void>((resolve) =>
    onFrames(reader, () => {
      if (++received === total) resolve();
    }),
  );
  const fill = (): void => {
    while (sent < total && writer.send(update, 'update')) sent++;
  };
  writer.on('writable', fill);
  fill();
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `throughput: ${(THROUGHPUT_BYTES / 1024 / 1024 / seconds).toFixed(0)} MiB/s, ` +
      `${Math.round(total / seconds)} UPDATEs/s of ${UPDATE_SIZE} B (${total} in ${seconds.toFixed(2)} s)`,
  );
  writer.destroy('bench');
  reader.destroy('bench');
}

async function keepaliveLatency(ns: Netns, listener: BgpListener, priority: MessagePriority): Promise<void> {
  const { writer, reader } = await connectedPair(ns, listener);
  const update = frame(MessageType.UPDATE, UPDATE_SIZE);
  const latencies: number[] = [];
  // A slow reader: at most SLOW_READER_BYTES_PER_S, enforced per window by pausing the socket.
  let windowBytes = 0;
  const windowTimer = setInterval(() => {
    windowBytes = 0;
    reader.resumeReading();
  }, READER_WINDOW_MS);
  reader.on('data', (chunk) => {
    windowBytes += chunk.length;
    if (windowBytes >= (SLOW_READER_BYTES_PER_S * READER_WINDOW_MS) / 1000) reader.pauseReading();
  });
  onFrames(reader, (type, f) => {
    if (type === MessageType.KEEPALIVE) latencies.push(Date.now() - Number(f.readBigUInt64BE(HEADER_LENGTH)));
  });
  // The speaker keeps the UPDATE queue at its high-water mark the whole time.
  const fill = (): void => {
    while (writer.send(update, 'update'));
  };
  writer.on('writable', fill);
  fill();
  const kaTimer = setInterval(() => {
    const ka = frame(MessageType.KEEPALIVE, HEADER_LENGTH + 8);
    ka.writeBigUInt64BE(BigInt(Date.now()), HEADER_LENGTH);
    writer.send(ka, priority);
  }, KEEPALIVE_EVERY_MS);
  await new Promise((r) => setTimeout(r, LATENCY_RUN_MS));
  // What sits in the kernel between the two ends: it is ahead of any KEEPALIVE and cannot be reordered.
  const queues = (await ns.exec('ss', ['-tnH', 'state', 'established'])).stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([recvQ, sendQ, local]) => `${local} recv-q ${recvQ} send-q ${sendQ}`)
    .join('; ');
  clearInterval(kaTimer);
  clearInterval(windowTimer);
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const sentKeepalives = Math.floor(LATENCY_RUN_MS / KEEPALIVE_EVERY_MS);
  console.log(
    `keepalive latency, ${priority === 'control' ? 'control priority' : 'FIFO behind UPDATEs'}, reader at ` +
      `${SLOW_READER_BYTES_PER_S / 1024 / 1024} MiB/s, UPDATE queue at ${HIGH_WATER_MARK / 1024 / 1024} MiB: ` +
      `${latencies.length}/${sentKeepalives} arrived within ${LATENCY_RUN_MS / 1000} s; ` +
      `p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${sorted[sorted.length - 1] ?? NaN} ms; ` +
      `node buffer ${writer.counters.queuedBytes - writer.counters.queuedUpdateBytes} B; kernel: ${queues}`,
  );
  writer.destroy('bench');
  reader.destroy('bench');
}

async function main(): Promise<void> {
  requireNetns();
  // The lab removes the namespace even if the bench throws.
  await withLab('tbench', async (lab) => {
    const ns = await lab.netns('b');
    const listener = await BgpListener.listen({ netns: ns.name, addresses: [HOST] });
    try {
      listener.setPeer(HOST);
      await throughput(ns, listener);
      await keepaliveLatency(ns, listener, 'control');
      await keepaliveLatency(ns, listener, 'update');
    } finally {
      await listener.close();
    }
  });
}

await main();
