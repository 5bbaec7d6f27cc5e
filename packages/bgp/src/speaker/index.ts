// The BGP speaker: the library API embedders (the agent first) use.
export { BgpSpeaker, type UpdatePeerResult } from './speaker.js';
export { SpeakerConfigError, SpeakerStateError } from './errors.js';
export { retainedFamilies } from './gr-decision.js';
export * from './types.js';
