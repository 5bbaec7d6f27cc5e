export const PACKAGE = '@kroute/bgp';
export * from './wire/index.js';
