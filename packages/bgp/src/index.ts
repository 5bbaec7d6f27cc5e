export const PACKAGE = '@kroute/bgp';
export * from './wire/index.js';
// Policy configuration is plain data the embedder builds (the agent builds kube-router's policies with it).
export type {
  Actions, Assignment, Conditions, DefinedSets, Direction, MatchOption, Policy, PolicyConfig, PrefixSetEntry,
  RouteAction, SetCondition, SetOperation, Statement,
} from './policy/types.js';
export { parseCommunity, parseLargeCommunity, COMMUNITY_NAMES } from './policy/community.js';
export { kubeRouterPolicies, type KubeRouterPolicyInput } from './policy/kube-router.js';
// The TCP transport (sockets, TCP-MD5, TTL/GTSM, backpressure), as a namespace: its names are generic.
export * as transport from './transport/index.js';
// The speaker: the library API (BgpSpeaker, its options, events and plain-data query results).
export * from './speaker/index.js';
// The session layer for embedders that drive sessions themselves: the RFC 4271 FSM (sans-IO) and the Session object.
export * from './fsm/index.js';
export * from './session/index.js';
