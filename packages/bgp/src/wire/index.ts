// The BGP-4 wire codec. Each file below owns one message or attribute family; add your file's export here.
export * from './constants.js';
export * from './errors.js';
export * from './types.js';
export * from './header.js';
// Part A: framing, OPEN/capabilities, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH and the message dispatcher.
export { EncodeError } from './encode-error.js';
export * from './capabilities.js';
export * from './open.js';
export * from './notification.js';
export * from './keepalive.js';
export * from './route-refresh.js';
export * from './reader.js';
// Part B: UPDATE, path attributes, NLRI and RFC 7606 error handling.
export * from './address.js';
export * from './nlri.js';
export * from './attribute-errors.js';
export * from './attributes/index.js';
export * from './update.js';
export * from './message.js';
