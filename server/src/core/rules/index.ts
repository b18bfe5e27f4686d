// The size rules as the rest of the product sees them (DESIGN: core/rules). Pure: the server and the CLI gather the
// inputs (image, analysis, build context, base sizes) and call these.
export type { ContextFile, FileChange, Finding, Fix, RuleContext, Severity, SizeRule } from './types';
export { computeFindings, ignoredAt, RULE_CODES, RULES, ruleDocUrl, type RuleFailure, type RuleRun } from './registry';
export { applyEdits, fixAll, FIX_ORDER, type FixAllResult } from './fixAll';
export { DEFAULT_MIN_BYTES, layerOfFromMatch, staticContext } from './context';
export { baseImageCandidates } from './largeBaseImage';
