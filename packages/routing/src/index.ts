export const PACKAGE = '@kroute/routing';
export * from './netlink/index.js';
export type { OverlayEncap, TunnelEndpoint, TunnelBackend } from './plan/tunnel-backend.js';
