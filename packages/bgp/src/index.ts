export const PACKAGE = '@kroute/bgp';
