// The size rules as the rest of the product sees them (DESIGN: core/rules). Pure: the server and the CLI gather the
// inputs (image, analysis, build context, base sizes) and call these.
export type { FileChange, Finding, Fix, RuleContext } from './types';
export { computeFindings, RULE_CODES, RULES, ruleDocUrl, type RuleFailure } from './registry';
export { applyEdits, fixAll } from './fixAll';
export { DEFAULT_MIN_BYTES, layerOfFromMatch, staticContext } from './context';
export { baseImageCandidates } from './largeBaseImage';
