// An assertion as reads return it, written as JSON text straight from its stored bytes: the
// object goes in as the canonical JSON the record already holds, never parsed and serialised
// again. JSON.parse of the text deep-equals the decoded AssertionResult; the keys come in the
// HTTP API's order (its serializer writes a schema's required fields first): the fields every
// assertion has, then the optional ones. Canonical JSON is JSON.stringify's output with sorted
// keys, and JSON.parse keeps that order except that it moves integer-like keys first ("9"
// before "10"), so an object whose text may hold such a key is parsed and serialised instead:
// the text stays what serialising the decoded object gives.
import { InvalidRecordError } from '../errors.js';
import { objectBytesMax } from '../limits.js';
import type { AssertionView, Hash } from '../records/index.js';

/** A key JSON.parse would move ahead of the others: 0, or digits not starting with 0 (may match inside a string too, which only costs the slow path). */
const integerLikeKey = /[{,]"(?:0|[1-9][0-9]*)":/;

/** The object's JSON as JSON.stringify(JSON.parse(canonical)) writes it. */
function objectText(view: AssertionView): string {
  // The same refusal as decoding (decodeStored): an oversized object is damage, not data.
  if (view.objectBytes > objectBytesMax) throw new InvalidRecordError('object', `is ${view.objectBytes} bytes encoded; the limit is ${objectBytesMax}`);
  const json = view.objectJson;
  return integerLikeKey.test(json) ? JSON.stringify(view.object) : json;
}

/** What became of the assertion (undefined: live). */
export interface StatusText {
  kind: 'retraction' | 'supersession';
  hash: Hash;
}

/** The JSON text of the AssertionResult for this view, hash, LSN and status (keys as described above). */
export function assertionJson(view: AssertionView, hash: Hash, lsn: number, change: StatusText | undefined): string {
  let text = `{"type":"assertion","subject":${JSON.stringify(view.subject)},"predicate":${JSON.stringify(view.predicate)},"object":${objectText(view)},"source":${JSON.stringify(view.source)},"createdAt":${view.createdAt},"hash":"${hash}","lsn":${lsn}`;
  text += change === undefined ? ',"status":"live"' : change.kind === 'retraction' ? ',"status":"retracted"' : ',"status":"superseded"';
  const { confidence, epoch, supersedes } = view;
  if (confidence !== undefined) text += `,"confidence":${JSON.stringify(confidence)}`;
  if (epoch !== undefined) text += `,"epoch":${epoch}`;
  if (supersedes !== undefined) text += `,"supersedes":"${supersedes}"`;
  if (change !== undefined) text += change.kind === 'retraction' ? `,"retractedBy":"${change.hash}"` : `,"supersededBy":"${change.hash}"`;
  return `${text}}`;
}
