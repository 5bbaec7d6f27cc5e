// Checks objects read from a cluster-state file, naming the document and the field that is wrong.
// Only the fields kroute reads are checked; everything else is passed through untouched.
import { isIP } from 'node:net';
import type { ObjectKind, V1EndpointSlice, V1Node, V1Service } from './types.js';

export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  constructor(readonly where: string, readonly field: string, reason: string) {
    super(`${where}: ${field}: ${reason}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  constructor(readonly where: string) {}
  fail(field: string, reason: string): never {
    throw new ObjectError(this.where, field, reason);
  }
  obj(v: unknown, field: string, required = false): Obj | undefined {
    if (v === undefined || v === null) return required ? this.fail(field, 'is required') : undefined;
    return isObj(v) ? v : this.fail(field, 'must be a mapping');
  }
  str(v: unknown, field: string, required = false): string | undefined {
    if (v === undefined || v === null) return required ? this.fail(field, 'is required') : undefined;
    return typeof v === 'string' ? v : this.fail(field, `must be a string, not ${JSON.stringify(v)}`);
  }
  arr(v: unknown, field: string): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : this.fail(field, 'must be a list');
  }
  stringMap(v: unknown, field: string): void {
    const o = this.obj(v, field);
    if (!o) return;
    for (const [k, val] of Object.entries(o)) {
      if (typeof val !== 'string') this.fail(`${field}.${k}`, `must be a string (quote it in YAML), not ${JSON.stringify(val)}`);
    }
  }
  ip(v: unknown, field: string): void {
    const s = this.str(v, field, true)!;
    if (isIP(s) === 0) this.fail(field, `${JSON.stringify(s)} is not an IP address`);
  }
  cidr(v: unknown, field: string): void {
    const s = this.str(v, field, true)!;
    const [addr, len, more] = s.split('/');
    const fam = isIP(addr ?? '');
    const max = fam === 4 ? 32 : 128;
    if (fam === 0 || more !== undefined || len === undefined || !/^\d+$/.test(len) || Number(len) > max) {
      this.fail(field, `${JSON.stringify(s)} is not a CIDR`);
    }
  }
  oneOf(v: unknown, field: string, allowed: readonly string[]): void {
    const s = this.str(v, field);
    if (s !== undefined && !allowed.includes(s)) this.fail(field, `must be one of ${allowed.join(', ')}, not ${JSON.stringify(s)}`);
  }
}

function checkMetadata(c: Checker, doc: Obj, namespaced: boolean): void {
  const md = c.obj(doc['metadata'], 'metadata', true)!;
  c.str(md['name'], 'metadata.name', true);
  if (namespaced) c.str(md['namespace'], 'metadata.namespace');
  c.stringMap(md['annotations'], 'metadata.annotations');
  c.stringMap(md['labels'], 'metadata.labels');
}

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;

export function checkNode(c: Checker, doc: Obj): V1Node {
  checkMetadata(c, doc, false);
  const spec = c.obj(doc['spec'], 'spec');
  if (spec) {
    c.arr(spec['podCIDRs'], 'spec.podCIDRs').forEach((v, i) => c.cidr(v, `spec.podCIDRs[${i}]`));
    if (spec['podCIDR'] !== undefined) c.cidr(spec['podCIDR'], 'spec.podCIDR');
  }
  const status = c.obj(doc['status'], 'status');
  if (status) {
    c.arr(status['addresses'], 'status.addresses').forEach((a, i) => {
      const f = `status.addresses[${i}]`;
      const o = c.obj(a, f, true)!;
      c.oneOf(o['type'], `${f}.type`, ADDRESS_TYPES);
      const type = c.str(o['type'], `${f}.type`, true);
      if (type === 'InternalIP' || type === 'ExternalIP') c.ip(o['address'], `${f}.address`);
      else c.str(o['address'], `${f}.address`, true);
    });
  }
  return doc as unknown as V1Node;
}

export function checkService(c: Checker, doc: Obj): V1Service {
  checkMetadata(c, doc, true);
  const spec = c.obj(doc['spec'], 'spec', true)!;
  c.oneOf(spec['type'], 'spec.type', SERVICE_TYPES);
  const clusterIP = c.str(spec['clusterIP'], 'spec.clusterIP');
  if (clusterIP !== undefined && clusterIP !== 'None' && clusterIP !== '') c.ip(clusterIP, 'spec.clusterIP');
  c.arr(spec['clusterIPs'], 'spec.clusterIPs').forEach((v, i) => {
    if (v !== 'None') c.ip(v, `spec.clusterIPs[${i}]`);
  });
  c.arr(spec['externalIPs'], 'spec.externalIPs').forEach((v, i) => c.ip(v, `spec.externalIPs[${i}]`));
  c.oneOf(spec['externalTrafficPolicy'], 'spec.externalTrafficPolicy', TRAFFIC_POLICIES);
  c.oneOf(spec['internalTrafficPolicy'], 'spec.internalTrafficPolicy', TRAFFIC_POLICIES);
  const status = c.obj(doc['status'], 'status');
  const lb = status ? c.obj(status['loadBalancer'], 'status.loadBalancer') : undefined;
  if (lb) {
    c.arr(lb['ingress'], 'status.loadBalancer.ingress').forEach((v, i) => {
      const f = `status.loadBalancer.ingress[${i}]`;
      const o = c.obj(v, f, true)!;
      if (o['ip'] !== undefined) c.ip(o['ip'], `${f}.ip`);
      c.oneOf(o['ipMode'], `${f}.ipMode`, ['VIP', 'Proxy']);
    });
  }
  return doc as unknown as V1Service;
}

export function checkEndpointSlice(c: Checker, doc: Obj): V1EndpointSlice {
  checkMetadata(c, doc, true);
  c.oneOf(doc['addressType'], 'addressType', ['IPv4', 'IPv6', 'FQDN']);
  c.str(doc['addressType'], 'addressType', true);
  c.arr(doc['endpoints'], 'endpoints').forEach((e, i) => {
    const f = `endpoints[${i}]`;
    const o = c.obj(e, f, true)!;
    const addrs = c.arr(o['addresses'], `${f}.addresses`);
    if (addrs.length === 0) c.fail(`${f}.addresses`, 'needs at least one address');
    addrs.forEach((a, j) => c.str(a, `${f}.addresses[${j}]`, true));
    c.str(o['nodeName'], `${f}.nodeName`);
    const cond = c.obj(o['conditions'], `${f}.conditions`);
    if (cond) {
      for (const k of ['ready', 'serving', 'terminating']) {
        if (cond[k] !== undefined && cond[k] !== null && typeof cond[k] !== 'boolean') c.fail(`${f}.conditions.${k}`, 'must be true or false');
      }
    }
  });
  return doc as unknown as V1EndpointSlice;
}

export type CheckedObject =
  | { kind: 'Node'; object: V1Node }
  | { kind: 'Service'; object: V1Service }
  | { kind: 'EndpointSlice'; object: V1EndpointSlice };

/** Validates one document; `where` names it in errors (e.g. "cluster.yaml document 3 (Service default/web)"). */
export function checkObject(doc: unknown, where: string): CheckedObject {
  const c0 = new Checker(where);
  const o = c0.obj(doc, '(document)', true)!;
  const kind = c0.str(o['kind'], 'kind', true) as ObjectKind;
  const md = isObj(o['metadata']) ? o['metadata'] : {};
  const label = typeof md['name'] === 'string' ? ` (${kind} ${typeof md['namespace'] === 'string' ? `${md['namespace']}/` : ''}${md['name']})` : '';
  const c = new Checker(where + label);
  switch (kind) {
    case 'Node': return { kind, object: checkNode(c, o) };
    case 'Service': return { kind, object: checkService(c, o) };
    case 'EndpointSlice': return { kind, object: checkEndpointSlice(c, o) };
    default: return c.fail('kind', `must be Node, Service or EndpointSlice, not ${JSON.stringify(kind)}`);
  }
}

export type { Json };
