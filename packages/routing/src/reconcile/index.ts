export { RouteReconciler, DEFAULT_SYNC_PERIOD_MS, type RouteReconcilerOptions } from './reconciler.js';
export { TUNNEL_ERROR_CODE } from './errors.js';
export { RuleMirror, diffRules } from './rule-mirror.js';
export { diffKey, type RouteOp, type KeyDiff } from './diff.js';
export { RouteMirror } from './mirror.js';
export { RetryBook, DEFAULT_RETRY_INITIAL_MS, DEFAULT_RETRY_MAX_MS, type BackoffOptions } from './retry.js';
export { registerRouteTable, parseRtTables, RtTablesConflictError, RT_TABLES_PATHS, type RtTablesOptions } from './rt-tables.js';
export * from './report.js';
