export const PACKAGE = '@kroute/routing';
export * from './netlink/index.js';
export * from './plan/index.js';
export * from './reconcile/index.js';
