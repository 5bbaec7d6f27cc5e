export const PACKAGE = '@kroute/tunnel';
