export const PACKAGE = '@kroute/testkit';
