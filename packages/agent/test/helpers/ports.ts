import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (tests give it to servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
