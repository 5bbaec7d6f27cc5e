export const PACKAGE = '@kroute/agent';
