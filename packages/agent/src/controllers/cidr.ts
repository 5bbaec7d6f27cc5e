// Small address arithmetic for the controllers (range checks on strings, not the hot path).
import { ipTo16Bytes } from './node-identity.js';
import { isIP } from 'node:net';

/** Is `ip` inside `cidr`? Families must match (an IPv4 address is never inside an IPv6 range). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, lenText] = cidr.split('/');
  if (!net || lenText === undefined) return false;
  const fam = isIP(net);
  if (fam === 0 || fam !== isIP(ip)) return false;
  const len = Number(lenText) + (fam === 4 ? 96 : 0);
  const a = ipTo16Bytes(net);
  const b = ipTo16Bytes(ip);
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a[byte]! & mask) !== (b[byte]! & mask)) return false;
  }
  return true;
}
