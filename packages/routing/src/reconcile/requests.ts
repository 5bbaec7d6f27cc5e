/**
 * Route requests for the reconciler's batches. Same bytes as the codec's newRouteRequest/deleteRouteRequest, but
 * the description (only read when the kernel refuses a request) is built on demand: a 100k-route batch would
 * otherwise format 100k strings nobody reads.
 * @packageDocumentation
 */
import { RTM_DELROUTE, RTM_NEWROUTE } from '../netlink/constants.js';
import { CHANGE_FLAGS, newFlags, type NetlinkRequest } from '../netlink/request.js';
import { describeRoute, encodeRouteMessage, type Route } from '../netlink/route.js';

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
