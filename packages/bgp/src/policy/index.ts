export * from './types.js';
export * from './community.js';
export * from './prefix-set.js';
export * from './neighbor-set.js';
export * from './as-path-set.js';
export * from './engine.js';
export * from './kube-router.js';
