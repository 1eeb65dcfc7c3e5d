// `stemedb beliefs S`: what is believed about a subject (docs/beliefs.md), one page of
// predicates: a table of the candidate values in the database's ranking, the best one marked,
// with whether the claim is contested and its consensus, and how to read the next page; with
// --json, db.beliefs()'s answer as it is (its cursor included). The numbers are the
// database's; the table only rounds them for reading.
import type { Command } from 'commander';
import type { Beliefs, BeliefsOptions, PredicateBeliefs } from '../../index.js';
import { asOfFlag, asOfRead } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { epochScopeFlag, epochScopeRead } from '../epoch-scope.js';
import { beliefsCandidatesDefault, beliefsCandidatesMax, beliefsPredicatesDefault, beliefsPredicatesMax } from '../../limits.js';
import { LineWriter, printJson } from '../output.js';
import { parseCount } from '../parse.js';
import { formatAmount, formatPercent, formatTable } from '../table.js';

interface BeliefsFlags {
  predicate?: string;
  epoch?: number;
  asOf?: number;
  limit?: number;
  cursor?: string;
  candidates?: number;
}

function predicateLines(beliefs: PredicateBeliefs): string[] {
  const state = beliefs.contested ? 'contested' : 'not contested';
  const heading = `${beliefs.predicate}: ${state}, consensus ${formatPercent(beliefs.consensus)}`;
  if (beliefs.candidates.length === 0) return [`${heading}, no best`, '  no candidates: every assertion is out of scope or taken back'];
  const more = beliefs.candidateCount - beliefs.candidates.length;
  const rows = beliefs.candidates.map((candidate, i) => [
    i === 0 && beliefs.best !== null ? 'best' : '',
    String(i + 1),
    formatAmount(candidate.support),
    formatAmount(candidate.oppose),
    formatAmount(candidate.score),
    String(candidate.supporters),
    JSON.stringify(candidate.object),
  ]);
  const header = ['', 'rank', 'support', 'oppose', 'score', 'supporters', 'object'];
  const table = formatTable([header, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'left'], '  ');
  return [beliefs.best === null ? `${heading}, no best: no candidate scores above 0` : heading, ...table, ...(more > 0 ? [`  and ${more} more candidate(s) (--candidates)`] : [])];
}

/** The readable form: a heading for the read, then one block per predicate. */
export function beliefsLines(beliefs: Beliefs, epoch: number | undefined): string[] {
  const scope = epoch === undefined ? '' : `epoch ${epoch}, `;
  const lines = [`${beliefs.subject} (${scope}as of LSN ${beliefs.atLsn})`];
  if (beliefs.predicates.length === 0) return [...lines, '', 'no assertions about this subject'];
  for (const predicate of beliefs.predicates) lines.push('', ...predicateLines(predicate));
  if (beliefs.cursor !== undefined) lines.push('', `more predicates: --cursor ${beliefs.cursor}`);
  return lines;
}

export function registerBeliefs(program: Command): void {
  program
    .command('beliefs')
    .description('print what is believed about a subject, a page of predicates: the candidate values ranked, the best one, the consensus and whether it is contested (with --json: one JSON object)')
    .argument('<subject>', 'the subject, e.g. city:2988507')
    .option('--predicate <predicate>', 'only this predicate')
    .addOption(epochScopeFlag())
    .addOption(asOfFlag())
    .option('--limit <n>', `predicates in the page (default ${beliefsPredicatesDefault}, at most ${beliefsPredicatesMax})`, parseCount)
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed, with the same other options')
    .option('--candidates <n>', `candidates listed per predicate (default ${beliefsCandidatesDefault}, at most ${beliefsCandidatesMax})`, parseCount)
    .action(async (subject: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<BeliefsFlags>();
      const options: BeliefsOptions = {
        ...(o.predicate !== undefined && { predicate: o.predicate }),
        ...epochScopeRead(o.epoch),
        ...asOfRead(o.asOf),
        ...(o.limit !== undefined && { limit: o.limit }),
        ...(o.cursor !== undefined && { cursor: o.cursor }),
        ...(o.candidates !== undefined && { candidates: o.candidates }),
      };
      const beliefs = await withDb(globals, (db) => db.beliefs(subject, options));
      if (globals.json) {
        await printJson(beliefs, true);
        return;
      }
      const out = new LineWriter();
      for (const line of beliefsLines(beliefs, o.epoch)) await out.line(line);
      await out.end();
    });
}
