/** A caller handed the RIB or the policy engine something it cannot use (bad prefix text, unknown peer or set). */
export class RibError extends Error {
  override readonly name = 'RibError';
}
