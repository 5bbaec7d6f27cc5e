/**
 * `--cleanup-config`: remove every route and rule kroute owns, found by dump (not by memory, so leftovers of earlier
 * runs go too), then everything the tunnel backend owns. kube-router left all of these behind (its #1084).
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Rtnl } from '../netlink/rtnl.js';
import { deleteRuleRequest } from '../netlink/rule.js';
import { isOwnedRoute, KROUTE_PROTOCOL, normalizeKernelRoute } from '../plan/kernel-routes.js';
import { isOwnedRule, normalizeKernelRule, toNetlinkRule } from '../plan/rules.js';
import type { TunnelBackend } from '../plan/tunnel-backend.js';
import { asError, errorOf, tunnelError } from './errors.js';
import { emptyCounts, type ReconcileError, type ReconcileReport, type ReconcilerHooks, type RouteChange, type RuleChange } from './report.js';
import { deleteShape, routeRequest } from './requests.js';

const { ESRCH, ENOENT } = osConstants.errno;

export async function removeOwned(rtnl: Rtnl, tunnels: TunnelBackend | undefined, dryRun: boolean, hooks: ReconcilerHooks): Promise<ReconcileReport> {
  const t0 = performance.now();
  const counts = emptyCounts();
  const errors: ReconcileError[] = [];
  const routes = (await rtnl.listRoutes({ protocol: KROUTE_PROTOCOL })).filter(isOwnedRoute).map(normalizeKernelRoute);
  const rules = (await rtnl.listRules()).filter(isOwnedRule).map(normalizeKernelRule);
  const routeRequests = routes.map((r) => routeRequest('delete', deleteShape(r)));
  const ruleRequests = rules.map((r) => deleteRuleRequest(toNetlinkRule(r)));
  const changes: RouteChange[] = routes.map((r, i) => ({ op: 'delete', table: r.table, dst: r.dst, kind: 'stale', description: routeRequests[i]!.describe }));
  const ruleChanges: RuleChange[] = rules.map((r, i) => ({ op: 'delete', from: r.from, description: ruleRequests[i]!.describe }));
  if (dryRun) {
    counts.removed = routes.length;
    counts.rulesRemoved = rules.length;
  } else {
    const results = await rtnl.batch([...routeRequests, ...ruleRequests]);
    results.forEach((res, i) => {
      // Already gone counts as removed: someone (or the kernel, with a device) got there first.
      if (res.ok || res.error.errno === ESRCH || res.error.errno === ENOENT) {
        if (i < routeRequests.length) counts.removed++;
        else counts.rulesRemoved++;
        return;
      }
      counts.failed++;
      errors.push(errorOf(res.error));
      hooks.netlinkError?.(res.error);
    });
    if (counts.removed > 0) hooks.routesRemoved?.(counts.removed);
    if (tunnels) {
      try {
        await tunnels.cleanup();
      } catch (e) {
        errors.push(tunnelError('cleanup tunnels', e));
        hooks.error?.(asError(e));
      }
    }
  }
  return { full: true, reasons: ['requested'], dryRun, changes, ruleChanges, counts, errors, durationMs: performance.now() - t0 };
}
