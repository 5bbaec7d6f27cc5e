// Path attributes: one module per attribute family, plus the section codec that drives them.
export { decodeAttributeSection, encodeAttributes, planAttributes, ATTRIBUTE_NAMES } from './section.js';
export type { AttributePlan, DecodedAttributes } from './section.js';
export { formatCommunity } from './communities.js';
export { MAX_SHORT_ATTRIBUTE_LENGTH } from './codec.js';
