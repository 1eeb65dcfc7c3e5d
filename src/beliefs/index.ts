// The beliefs module's public surface: the rules of what is believed (docs/beliefs.md).
// It knows records only; ingest (summaries) and db (scoped queries) both call it.
export { summarize, type BeliefAssertion, type BeliefSummary, type BeliefVote, type CandidateSummary } from './rules.js';
