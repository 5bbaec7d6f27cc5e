export const PACKAGE = '@kroute/routing';
export * from './netlink/index.js';
