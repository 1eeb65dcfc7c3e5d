// `stemedb beliefs S`: what is believed about a subject (docs/beliefs.md), per predicate: a
// table of the candidate values in the database's ranking, the best one marked, with whether
// the claim is contested and its consensus; with --json, db.beliefs()'s answer as it is. The
// numbers are the database's; the table only rounds them for reading.
import type { Command } from 'commander';
import type { Beliefs, BeliefsOptions, PredicateBeliefs } from '../../index.js';
import { asOfFlag, asOfRead } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { epochScopeFlag, epochScopeRead } from '../epoch-scope.js';
import { LineWriter, printJson } from '../output.js';
import { formatAmount, formatPercent, formatTable } from '../table.js';

interface BeliefsFlags {
  predicate?: string;
  epoch?: number;
  asOf?: number;
}

function predicateLines(beliefs: PredicateBeliefs): string[] {
  const state = beliefs.contested ? 'contested' : 'not contested';
  const heading = `${beliefs.predicate}: ${state}, consensus ${formatPercent(beliefs.consensus)}`;
  if (beliefs.candidates.length === 0) return [`${heading}, no best`, '  no candidates: every assertion is out of scope or taken back'];
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
  return [beliefs.best === null ? `${heading}, no best: no candidate scores above 0` : heading, ...formatTable([header, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'left'], '  ')];
}

/** The readable form: a heading for the read, then one block per predicate. */
export function beliefsLines(beliefs: Beliefs, epoch: number | undefined): string[] {
  const scope = epoch === undefined ? '' : `epoch ${epoch}, `;
  const lines = [`${beliefs.subject} (${scope}as of LSN ${beliefs.atLsn})`];
  if (beliefs.predicates.length === 0) return [...lines, '', 'no assertions about this subject'];
  for (const predicate of beliefs.predicates) lines.push('', ...predicateLines(predicate));
  return lines;
}

export function registerBeliefs(program: Command): void {
  program
    .command('beliefs')
    .description('print what is believed about a subject, per predicate: the candidate values ranked, the best one, the consensus and whether it is contested (with --json: one JSON object)')
    .argument('<subject>', 'the subject, e.g. city:2988507')
    .option('--predicate <predicate>', 'only this predicate')
    .addOption(epochScopeFlag())
    .addOption(asOfFlag())
    .action(async (subject: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<BeliefsFlags>();
      const options: BeliefsOptions = { ...(o.predicate !== undefined && { predicate: o.predicate }), ...epochScopeRead(o.epoch), ...asOfRead(o.asOf) };
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
