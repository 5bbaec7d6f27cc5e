import assert from 'node:assert/strict';
import { PACKAGE } from '../src/index.js';

describe('@kroute/tunnel', () => {
  it('loads its entry point', () => {
    assert.equal(PACKAGE, '@kroute/tunnel');
  });
});
