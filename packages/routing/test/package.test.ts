import assert from 'node:assert/strict';
import { PACKAGE } from '../src/index.js';

describe('@kroute/routing', () => {
  it('loads its entry point', () => {
    assert.equal(PACKAGE, '@kroute/routing');
  });
});
