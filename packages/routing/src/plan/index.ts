export type { OverlayEncap, TunnelEndpoint, TunnelBackend } from './tunnel-backend.js';
export * from './types.js';
export * from './prefix.js';
export { RoutePlanner, planRoute } from './route-plan.js';
export { localAddressesFromKernel } from './local-addresses.js';
export * from './kernel-routes.js';
export * from './rules.js';
