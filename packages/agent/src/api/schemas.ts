// JSON schemas of the REST API: fastify validates input with them and @fastify/swagger turns them into the OpenAPI
// document, so the documentation and the validation cannot drift apart.

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

export const statusSchema = {
  $id: 'Status',
  type: 'object',
  required: ['asn', 'routerId', 'version', 'uptimeSeconds', 'listen'],
  properties: {
    asn: { type: 'integer' },
    routerId: { type: 'string' },
    version: { type: 'string' },
    uptimeSeconds: { type: 'number' },
    listen: { type: 'array', items: { type: 'object', properties: { address: { type: 'string' }, port: { type: 'integer' } } } },
  },
} as const;

const counters = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export const neighborSchema = {
  $id: 'Neighbor',
  type: 'object',
  required: ['address', 'port', 'asn', 'type', 'state', 'prefixes', 'messages'],
  properties: {
    address: { type: 'string' },
    port: { type: 'integer' },
    asn: { type: 'integer' },
    localAddress: { type: 'string' },
    type: { type: 'string', enum: ['internal', 'external'] },
    state: { type: 'string', enum: ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] },
    uptimeSeconds: { type: 'number' },
    holdTime: { type: 'integer' },
    keepaliveInterval: { type: 'integer' },
    families: { type: 'array', items: { type: 'string' } },
    capabilities: { type: 'array', items: { type: 'string' } },
    gracefulRestart: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' }, restartTime: { type: 'integer' }, peerRestartTime: { type: 'integer' },
        peerRestarting: { type: 'boolean' }, staleRoutes: { type: 'integer' },
      },
    },
    prefixes: { type: 'object', properties: { received: { type: 'integer' }, accepted: { type: 'integer' }, advertised: { type: 'integer' } } },
    messages: { type: 'object', properties: { sent: counters, received: counters } },
    lastError: { type: ['string', 'null'] },
  },
} as const;

export const pathSchema = {
  $id: 'Path',
  type: 'object',
  properties: {
    best: { type: 'boolean' },
    nextHop: { type: 'string' },
    asPath: { type: 'array', items: { type: 'integer' } },
    origin: { type: 'string', enum: ['igp', 'egp', 'incomplete'] },
    localPref: { type: ['integer', 'null'] },
    med: { type: ['integer', 'null'] },
    communities: { type: 'array', items: { type: 'string' } },
    largeCommunities: { type: 'array', items: { type: 'string' } },
    peer: { type: 'string' },
    stale: { type: 'boolean' },
    ageSeconds: { type: 'number' },
  },
} as const;

export const ribSchema = {
  $id: 'Rib',
  type: 'object',
  required: ['family', 'routes'],
  properties: {
    family: { type: 'string' },
    routes: {
      type: 'array',
      items: { type: 'object', properties: { prefix: { type: 'string' }, paths: { type: 'array', items: { $ref: 'Path#' } } } },
    },
    next: { type: 'string', description: 'pass as `after` to get the next page; absent on the last page' },
  },
} as const;

export const kernelRouteSchema = {
  $id: 'KernelRoute',
  type: 'object',
  properties: {
    prefix: { type: 'string' },
    table: { type: 'integer' },
    protocol: { type: 'integer' },
    kind: { type: 'string', enum: ['gateway', 'tunnel', 'vxlan', 'stale'] },
    nextHops: { type: 'array', items: { type: 'object', properties: { gateway: { type: 'string' }, device: { type: 'string' }, weight: { type: 'integer' } } } },
    source: { type: 'string' },
  },
} as const;

export const tunnelSchema = {
  $id: 'Tunnel',
  type: 'object',
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['ipip', 'ip6tnl', 'fou', 'vxlan'] },
    local: { type: 'string' },
    remote: { type: 'string' },
    encapPort: { type: 'integer' },
    mtu: { type: 'integer' },
    nextHop: { type: 'string' },
  },
} as const;

export const DEFAULT_PAGE_LIMIT = 1000;
/** Pages are streamed, so a large limit costs no extra memory; the cap only bounds one request's duration. */
export const MAX_PAGE_LIMIT = 1_000_000;

export const ribQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    family: { type: 'string', enum: ['ipv4-unicast', 'ipv6-unicast'], default: 'ipv4-unicast' },
    prefix: { type: 'string', description: 'exact prefix, e.g. 10.244.1.0/24' },
    after: { type: 'string', description: 'the `next` value of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
  },
} as const;

export const addressParamsSchema = {
  type: 'object',
  required: ['address'],
  properties: { address: { type: 'string', description: 'neighbor IP address' } },
} as const;

export const originateBodySchema = {
  type: 'object',
  required: ['prefix'],
  additionalProperties: false,
  properties: {
    prefix: { type: 'string' },
    nextHop: { type: 'string' },
    communities: { type: 'array', items: { type: 'string', pattern: '^\\d{1,5}:\\d{1,5}$' } },
  },
} as const;

export const withdrawQuerySchema = {
  type: 'object',
  required: ['prefix'],
  additionalProperties: false,
  properties: { prefix: { type: 'string' } },
} as const;
