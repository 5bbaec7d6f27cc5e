// Per-peer BGP sessions: FSM + codec + transport.
export * from './clock.js';
export * from './config.js';
export * from './errors.js';
export * from './session.js';
export * from './dispatch.js';
