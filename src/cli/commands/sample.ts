// `stemedb sample`: the sample dataset (GeoNames cities, src/sample) as NDJSON, so that
// `stemedb sample | stemedb import -` loads it. Needs no database.
import type { Command } from 'commander';
import { sampleRecords } from '../../sample/cities.js';
import { LineWriter } from '../output.js';
import { parseCount } from '../parse.js';

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('print the sample dataset (GeoNames cities: name, country, population, location) as NDJSON')
    .option('--limit <n>', 'only the n most populous cities (default: all 135k cities, 528k records)', parseCount)
    .action(async (_options: unknown, command: Command) => {
      const { limit } = command.opts<{ limit?: number }>();
      const out = new LineWriter();
      for (const record of sampleRecords(limit)) await out.json(record);
      await out.end();
    });
}
