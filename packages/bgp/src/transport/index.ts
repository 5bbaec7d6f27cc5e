export * from './errors.js';
export * from './addresses.js';
export * from './ttl.js';
export { NOTSENT_LOWAT_BYTES, readTtl, fdOf } from './sockets.js';
export * from './connection.js';
export * from './connect.js';
export * from './listener.js';
