// Parsers for single flag values. Each throws a plain Error with the reason; the flag parser adds the flag name.
import { isIP } from 'node:net';
import { parseGoDuration } from './duration.js';

export function parseBool(raw: string): boolean {
  // pflag uses strconv.ParseBool.
  switch (raw) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True': return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False': return false;
    default: throw new Error('not a boolean (true or false)');
  }
}

export function parseUint(raw: string, max: number): number {
  if (!/^\d+$/.test(raw)) throw new Error('not a non-negative integer');
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n > max) throw new Error(`out of range 0..${max}`);
  return n;
}

export function parseDurationMs(raw: string): number {
  const ms = parseGoDuration(raw);
  if (ms === undefined) throw new Error('not a duration (use Go syntax such as 90s, 5m, 2h22m)');
  return ms;
}

export function parseIp(raw: string): string {
  const family = isIP(raw);
  if (family === 0) throw new Error(`${JSON.stringify(raw)} is not an IP address`);
  return raw;
}

/** A CIDR in canonical form: the network address with host bits zero is required, as Go's net.ParseCIDR reports it. */
export function parseCidr(raw: string): string {
  const slash = raw.indexOf('/');
  const addr = slash < 0 ? '' : raw.slice(0, slash);
  const lenText = slash < 0 ? '' : raw.slice(slash + 1);
  const family = isIP(addr);
  const maxLen = family === 4 ? 32 : family === 6 ? 128 : -1;
  if (maxLen < 0 || !/^\d{1,3}$/.test(lenText) || Number(lenText) > maxLen) {
    throw new Error(`${JSON.stringify(raw)} is not a CIDR (address/length)`);
  }
  return `${addr}/${Number(lenText)}`;
}

/** kube-router passwords are standard base64 (utils.Base64String); a blank entry means no password. */
export function decodeBase64Password(raw: string): string {
  if (raw === '') return '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) throw new Error('not valid base64');
  return Buffer.from(raw, 'base64').toString('utf8');
}

/** pflag's StringSlice reads its value as one CSV record. */
export function splitCsv(raw: string): string[] {
  if (raw === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted) {
      if (c === '"' && raw[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; }
    else cur += c;
  }
  if (quoted) throw new Error('unterminated quote');
  out.push(cur);
  return out;
}
