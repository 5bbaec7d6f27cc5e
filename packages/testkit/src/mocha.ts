import { TestkitError } from './errors.js';
import { Lab } from './lab.js';
import { requireNetns } from './require.js';

/**
 * For a mocha `describe` block: creates a {@link Lab} in `before()` (after {@link requireNetns}) and cleans it up in
 * `after()`, which mocha runs even when tests or hooks fail. Returns an accessor, valid inside tests and later hooks.
 *
 * @example
 * describe('my feature', () => {
 *   const lab = useLab('my-feature');
 *   it('pings', async () => { const a = await lab().netns('a'); ... });
 * });
 */
export function useLab(tag: string): () => Lab {
  let lab: Lab | undefined;
  before(async function () {
    requireNetns();
    lab = await Lab.create(tag);
  });
  after(async function () {
    await lab?.cleanup();
  });
  return () => {
    if (!lab) throw new TestkitError(`useLab(${JSON.stringify(tag)}): the lab exists only once its before() hook has run`);
    return lab;
  };
}
