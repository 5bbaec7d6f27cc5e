// Typed errors of the speaker's API.
export class SpeakerConfigError extends Error {
  override readonly name = 'SpeakerConfigError';
}

export class SpeakerStateError extends Error {
  override readonly name = 'SpeakerStateError';
}
