export * from './errors.js';
export * from './addresses.js';
export * from './ttl.js';
export { KERNEL_DEFAULT_TTL, NOTSENT_LOWAT_BYTES } from './sockets.js';
export * from './connection.js';
export * from './connect.js';
export * from './listener.js';
