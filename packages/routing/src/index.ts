export const PACKAGE = '@kroute/routing';
