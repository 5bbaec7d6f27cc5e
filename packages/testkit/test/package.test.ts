import assert from 'node:assert/strict';
import { PACKAGE } from '../src/index.js';

describe('@kroute/testkit', () => {
  it('loads its entry point', () => {
    assert.equal(PACKAGE, '@kroute/testkit');
  });
});
