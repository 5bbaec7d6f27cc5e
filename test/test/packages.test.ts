import assert from 'node:assert/strict';

describe('workspace', () => {
  it('resolves every package by name', async () => {
    for (const name of ['@kroute/bgp', '@kroute/routing', '@kroute/tunnel', '@kroute/agent', '@kroute/testkit']) {
      const mod = (await import(name)) as { PACKAGE?: string };
      assert.equal(mod.PACKAGE, name);
    }
  });
});
