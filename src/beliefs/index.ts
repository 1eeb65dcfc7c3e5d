// The beliefs module's public surface: the rules of what is believed (docs/beliefs.md).
// It knows records only; ingest (summaries) and db (scoped queries) both call it.
export {
  candidateNumbers,
  compareStanding,
  judge,
  summarize,
  type BeliefAssertion,
  type BeliefSummary,
  type BeliefVote,
  type CandidateSummary,
  type Standing,
  type Verdict,
} from './rules.js';
export { clampWeight, oneUnits, ratio, unitsToNumber, weightUnits, type Units } from './exact.js';
