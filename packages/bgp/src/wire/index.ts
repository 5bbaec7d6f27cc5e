// The BGP-4 wire codec. Each file below owns one message or attribute family; add your file's export here.
export * from './constants.js';
export * from './errors.js';
export * from './types.js';
export * from './header.js';
