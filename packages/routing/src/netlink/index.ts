/**
 * rtnetlink and generic-netlink (FOU) for kroute: a TypeScript codec, a native socket binding, and typed clients.
 * @packageDocumentation
 */
export * from './constants.js';
export * from './ip.js';
export { NetlinkWriter, align } from './writer.js';
export * from './reader.js';
export * from './errors.js';
export * from './request.js';
export * from './route.js';
export * from './link.js';
export * from './address.js';
export * from './rule.js';
export * from './neighbour.js';
export * from './genl.js';
export * from './fou.js';
export { NetlinkSocket, type NetlinkSocketOptions, type BatchResult } from './socket.js';
export { Rtnl, type RtnlOptions, type RouteFilter } from './rtnl.js';
export { RtnlMonitor, decodeRtnlEvent, type RtnlEvent, type RtnlAction, type RtnlTopic, type RtnlMonitorOptions } from './monitor.js';
export { FouClient, resolveGenlFamily, type FouClientOptions } from './fou-client.js';
