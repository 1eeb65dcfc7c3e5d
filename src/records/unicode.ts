// Unicode checks for record strings. A string with a lone surrogate cannot be written as
// UTF-8 and read back unchanged (TextEncoder substitutes U+FFFD), so a record holding one
// would not round-trip and is refused instead.

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const native = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Whether `text` is well-formed UTF-16 (no lone surrogates). */
export function isWellFormed(text: string): boolean {
  // Node 20 has String.prototype.isWellFormed (ES2024, not in our TS lib); it is several
  // times faster than the regular expression, which stays as the fallback.
  return native === undefined ? !loneSurrogate.test(text) : native.call(text);
}
