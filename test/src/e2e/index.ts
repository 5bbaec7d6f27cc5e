export * from './cluster-file.js';
export * from './kernel.js';
export * from './topology.js';
export * from './agent-process.js';
