// Byte offsets of every record kind (docs/record-format.md), shared by the encoder and the
// views. Every record is [type u8][7 zero bytes][fixed part][variable part]. Numbers are
// little-endian; 8-byte fields sit at multiples of 8 so a reader can view them in place;
// the variable fields follow as raw UTF-8, in a fixed order, their u32 lengths in the fixed part.

export const headerBytes = 8;
export const hashBytes = 32;

export const assertionLayout = {
  createdAt: 8, // u64
  confidence: 16, // f64, zero when absent
  epoch: 24, // u64, zero when absent
  flags: 32, // u32: bit 0 confidence present, bit 1 epoch present, bit 2 supersedes present
  subjectBytes: 36, // u32
  predicateBytes: 40, // u32
  sourceBytes: 44, // u32
  objectBytes: 48, // u32
  reserved: 52, // u32, zero
  fixedBytes: 56, // then supersedes (when present), subject, predicate, source, object (canonical JSON)
  // 32 bytes, the superseded assertion's hash, present only when its flag is set (no slot
  // when absent): added after version 1's layout, so an assertion without it keeps its bytes
  // and its hash. The variable fields then start at fixedBytes + hashBytes = 88.
  supersedes: 56,
  flagConfidence: 1,
  flagEpoch: 2,
  flagSupersedes: 4,
} as const;

export const voteLayout = {
  createdAt: 8, // u64
  weight: 16, // f64, always present (1 when not given)
  epoch: 24, // u64, zero when absent
  flags: 32, // u32: bit 1 epoch present (bit 0 unused, so "epoch" is bit 1 in every kind)
  stance: 36, // u8: 0 support, 1 oppose; then 3 zero bytes
  assertion: 40, // 32 bytes: the voted assertion's hash
  voterBytes: 72, // u32
  reserved: 76, // u32, zero
  fixedBytes: 80, // then voter
  flagEpoch: 2,
} as const;

export const epochLayout = {
  id: 8, // u64
  createdAt: 16, // u64
  parent: 24, // u64, zero when absent
  flags: 32, // u32: bit 0 description present, bit 1 parent present
  nameBytes: 36, // u32
  descriptionBytes: 40, // u32, zero when absent
  reserved: 44, // u32, zero
  fixedBytes: 48, // then name, description
  flagDescription: 1,
  flagParent: 2,
} as const;

export const retractionLayout = {
  createdAt: 8, // u64
  assertion: 16, // 32 bytes: the retracted assertion's hash
  flags: 48, // u32: bit 0 reason present
  sourceBytes: 52, // u32
  reasonBytes: 56, // u32, zero when absent
  reserved: 60, // u32, zero
  fixedBytes: 64, // then source, reason
  flagReason: 1,
} as const;
