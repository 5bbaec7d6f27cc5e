// The RFC 4271 §8 BGP state machine, sans-IO.
export * from './types.js';
export * from './timers.js';
export * from './negotiate.js';
export * from './notifications.js';
export * from './collision.js';
export * from './classify.js';
export * from './connection-fsm.js';
export * from './peer-fsm.js';
