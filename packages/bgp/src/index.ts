export const PACKAGE = '@kroute/bgp';
export * from './wire/index.js';
// Policy configuration is plain data the embedder builds (the agent builds kube-router's policies with it).
export type {
  Actions, Assignment, Conditions, DefinedSets, Direction, MatchOption, Policy, PolicyConfig, PrefixSetEntry,
  RouteAction, SetCondition, SetOperation, Statement,
} from './policy/types.js';
export { parseCommunity, parseLargeCommunity, COMMUNITY_NAMES } from './policy/community.js';
