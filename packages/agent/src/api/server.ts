// The REST API (fastify; JSON; default 127.0.0.1:20245), exactly as ../shared/DESIGN.md specifies.
// RIB pages are streamed as JSON text produced route by route, so a 1M-route page never becomes one string.
import { Readable } from 'node:stream';
import { isIP } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import {
  addressParamsSchema, errorSchema, kernelRouteSchema, neighborSchema, originateBodySchema, pathSchema, ribQuerySchema,
  ribSchema, statusSchema, tunnelSchema, withdrawQuerySchema,
} from './schemas.js';
import { ViewError, type ApiFamily, type KrouteView, type OriginateRequest, type RibQuery, type RouteView } from './view.js';
import { isCidr } from '../controllers/node-identity.js';

export interface ApiOptions {
  readonly allowWrites: boolean;
  readonly version: string;
  readonly logger?: boolean;
}

interface RibQueryString { family: ApiFamily; prefix?: string; after?: string; limit: number }

function badRequest(parameter: string, message: string): ViewError {
  return new ViewError(400, 'Bad Request', `${parameter}: ${message}`);
}

function checkPrefix(parameter: string, prefix: string, family?: ApiFamily): void {
  if (!isCidr(prefix)) throw badRequest(parameter, `${JSON.stringify(prefix)} is not a prefix (address/length)`);
  const fam = isIP(prefix.split('/')[0]!) === 4 ? 'ipv4-unicast' : 'ipv6-unicast';
  if (family && fam !== family) throw badRequest(parameter, `${prefix} is not in family ${family}`);
}

function ribQuery(q: RibQueryString): RibQuery {
  if (q.prefix !== undefined) checkPrefix('prefix', q.prefix, q.family);
  if (q.after !== undefined) checkPrefix('after', q.after, q.family);
  return { family: q.family, ...(q.prefix !== undefined ? { prefix: q.prefix } : {}), ...(q.after !== undefined ? { after: q.after } : {}) };
}

/** Serialises up to `limit` routes as a JSON page, lazily: `{"family":..,"routes":[...],"next":..}`. */
export function* ribPageChunks(family: string, routes: Iterable<RouteView>, limit: number): Generator<string> {
  yield `{"family":${JSON.stringify(family)},"routes":[`;
  let n = 0;
  let last: string | undefined;
  let more = false;
  let batch = '';
  for (const r of routes) {
    if (n === limit) { more = true; break; }
    batch += (n === 0 ? '' : ',') + JSON.stringify(r);
    last = r.prefix;
    n++;
    // Hand out text in modest chunks: fewer writes than one per route, never the whole page.
    if (batch.length >= 64 * 1024) { yield batch; batch = ''; }
  }
  yield `${batch}]${more && last !== undefined ? `,"next":${JSON.stringify(last)}` : ''}}`;
}

function sendRibPage(reply: FastifyReply, family: string, routes: Iterable<RouteView>, limit: number): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(ribPageChunks(family, routes, limit)));
}

export async function buildApi(view: KrouteView, opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, ajv: { customOptions: { coerceTypes: true, removeAdditional: false } } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'kroute REST API', version: opts.version, description: 'BGP neighbors, RIBs, kernel routes and tunnels of a kroute agent' },
    },
  });
  for (const s of [errorSchema, statusSchema, neighborSchema, pathSchema, ribSchema, kernelRouteSchema, tunnelSchema]) app.addSchema(s);

  app.setErrorHandler((err: FastifyError | ViewError, _req, reply) => {
    if (err instanceof ViewError) return reply.code(err.statusCode).send({ error: err.error, message: err.message });
    if (err.validation) {
      // Name the parameter: "querystring/limit must be <= 1000000" → "limit: must be <= 1000000".
      const v = err.validation[0];
      const param = (v?.instancePath ?? '').replace(/^\//, '') || String((v?.params as { missingProperty?: string; additionalProperty?: string } | undefined)?.missingProperty ?? (v?.params as { additionalProperty?: string } | undefined)?.additionalProperty ?? err.validationContext ?? 'request');
      return reply.code(400).send({ error: 'Bad Request', message: `${param}: ${v?.message ?? err.message}` });
    }
    const code = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    return reply.code(code).send({ error: code === 500 ? 'Internal Server Error' : 'Error', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'Not Found', message: `no route ${req.method} ${req.url}` }));

  const errors = { 400: { $ref: 'Error#' }, 404: { $ref: 'Error#' } };

  app.get('/api/v1/status', { schema: { summary: 'Speaker status', response: { 200: { $ref: 'Status#' } } } }, () => view.status());

  app.get('/api/v1/neighbors', {
    schema: { summary: 'All BGP neighbors', response: { 200: { type: 'object', properties: { neighbors: { type: 'array', items: { $ref: 'Neighbor#' } } } } } },
  }, () => ({ neighbors: view.neighbors() }));

  app.get<{ Params: { address: string } }>('/api/v1/neighbors/:address', {
    schema: { summary: 'One BGP neighbor', params: addressParamsSchema, response: { 200: { $ref: 'Neighbor#' }, ...errors } },
  }, (req) => {
    const n = view.neighbor(req.params.address);
    if (!n) throw new ViewError(404, 'Not Found', `no neighbor ${req.params.address}`);
    return n;
  });

  app.get<{ Querystring: RibQueryString }>('/api/v1/rib', {
    schema: { summary: 'Loc-RIB (paged: pass `next` as `after`)', querystring: ribQuerySchema, response: { 200: { $ref: 'Rib#' }, ...errors } },
  }, (req, reply) => sendRibPage(reply, req.query.family, view.rib(ribQuery(req.query)), req.query.limit));

  for (const dir of ['in', 'out'] as const) {
    app.get<{ Params: { address: string }; Querystring: RibQueryString }>(`/api/v1/neighbors/:address/adj-rib-${dir}`, {
      schema: { summary: `Adj-RIB-${dir === 'in' ? 'In' : 'Out'} of a neighbor`, params: addressParamsSchema, querystring: ribQuerySchema, response: { 200: { $ref: 'Rib#' }, ...errors } },
    }, (req, reply) => {
      const q = ribQuery(req.query);
      const routes = dir === 'in' ? view.adjRibIn(req.params.address, q) : view.adjRibOut(req.params.address, q);
      if (!routes) throw new ViewError(404, 'Not Found', `no neighbor ${req.params.address}`);
      return sendRibPage(reply, req.query.family, routes, req.query.limit);
    });
  }

  app.get('/api/v1/kernel/routes', {
    schema: { summary: 'Kernel routes kroute owns', response: { 200: { type: 'object', properties: { routes: { type: 'array', items: { $ref: 'KernelRoute#' } } } } } },
  }, async () => ({ routes: await view.kernelRoutes() }));

  app.get('/api/v1/tunnels', {
    schema: { summary: 'Tunnel links kroute owns', response: { 200: { type: 'object', properties: { tunnels: { type: 'array', items: { $ref: 'Tunnel#' } } } } } },
  }, async () => ({ tunnels: await view.tunnels() }));

  const refuseWrites = () => {
    if (!opts.allowWrites) throw new ViewError(403, 'Forbidden', 'writes are disabled; start the agent with --api-allow-writes');
  };
  app.post<{ Body: OriginateRequest }>('/api/v1/rib', {
    schema: { summary: 'Originate a path (needs --api-allow-writes)', body: originateBodySchema, response: { 201: { type: 'object', properties: { prefix: { type: 'string' } } }, 400: { $ref: 'Error#' }, 403: { $ref: 'Error#' } } },
  }, (req, reply) => {
    refuseWrites();
    checkPrefix('prefix', req.body.prefix);
    if (req.body.nextHop !== undefined && isIP(req.body.nextHop) === 0) throw badRequest('nextHop', `${JSON.stringify(req.body.nextHop)} is not an IP address`);
    view.originate(req.body);
    return reply.code(201).send({ prefix: req.body.prefix });
  });
  app.delete<{ Querystring: { prefix: string } }>('/api/v1/rib', {
    schema: { summary: 'Withdraw an originated path (needs --api-allow-writes)', querystring: withdrawQuerySchema, response: { 200: { type: 'object', properties: { prefix: { type: 'string' } } }, 400: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' } } },
  }, (req) => {
    refuseWrites();
    checkPrefix('prefix', req.query.prefix);
    if (!view.withdraw(req.query.prefix)) throw new ViewError(404, 'Not Found', `no originated path for ${req.query.prefix}`);
    return { prefix: req.query.prefix };
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.ready();
  return app;
}

/** Starts the API; a non-loopback address is logged as an unauthenticated remote API. */
export async function startApi(view: KrouteView, opts: ApiOptions & { address: string; port: number; log: (msg: string) => void }): Promise<FastifyInstance> {
  const app = await buildApi(view, opts);
  await app.listen({ host: opts.address, port: opts.port });
  const loopback = opts.address === '127.0.0.1' || opts.address === '::1' || opts.address.startsWith('127.');
  if (!loopback) opts.log(`REST API listening on ${opts.address}:${opts.port} WITHOUT authentication: anyone who can reach it can read the RIB${opts.allowWrites ? ' and change it' : ''}`);
  return app;
}
