/**
 * Route requests for the reconciler's batches, and the report entries they become. Same bytes as the codec's
 * newRouteRequest/deleteRouteRequest, but the description (only read when the kernel refuses a request or a report
 * is listed) is built on demand: a 100k-route batch would otherwise format 100k strings nobody reads.
 * @packageDocumentation
 */
import { RTM_DELROUTE, RTM_NEWROUTE } from '../netlink/constants.js';
import { CHANGE_FLAGS, newFlags, type NetlinkRequest } from '../netlink/request.js';
import { describeRoute, encodeRouteMessage, type Route } from '../netlink/route.js';
import { KROUTE_PROTOCOL, type KernelRoute } from '../plan/kernel-routes.js';
import type { RouteOp } from './diff.js';
import type { RouteChange } from './report.js';

export type RouteVerb = 'add' | 'replace' | 'delete';

export function routeRequest(verb: RouteVerb, route: Route): NetlinkRequest {
  const type = verb === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE;
  const flags = verb === 'delete' ? CHANGE_FLAGS : newFlags(verb);
  return {
    get describe(): string {
      return describeRoute(verb, route);
    },
    dump: false,
    ack: true,
    encode: (w, seq) => encodeRouteMessage(w, type, flags, route, seq),
  };
}

/**
 * The fields that pick out one owned route for RTM_DELROUTE; the rest are wildcards, so a route whose next hops
 * changed behind our back is still found.
 */
export function deleteShape(r: KernelRoute): Route {
  return { family: r.family, dst: r.dst, table: r.table, protocol: KROUTE_PROTOCOL, tos: r.tos, priority: r.priority };
}

/** The route changes of one batch, and the requests that carry them. */
export interface AppliedBatch {
  readonly ops: readonly RouteOp[];
  readonly requests: readonly NetlinkRequest[];
}

export function describeChanges(batch: AppliedBatch): RouteChange[] {
  return batch.ops.map((op, i) => {
    const pendingTunnel = op.op !== 'delete' && !op.desired.complete;
    const text = batch.requests[i]!.describe;
    return {
      op: op.op,
      table: op.route.table,
      dst: op.route.dst,
      kind: op.op === 'delete' ? op.why : op.desired.kind,
      description: pendingTunnel ? `${text} (through a tunnel not created yet)` : text,
    };
  });
}
