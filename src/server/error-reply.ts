// Maps anything a request can throw to the status, code and message the client sees. The
// database's codes are kept (a client branches on UNKNOWN_ASSERTION, not on a status), with
// their messages as remoteMessage shows them (no absolute path: a WAL segment's directory, a
// lock file, a backup target stay on the server); fastify's own errors get our codes;
// anything else is INTERNAL and its message is not shown, so a stack trace never reaches a client.
import { CursorExpiredError, remoteMessage, StemeError, type ErrorCode } from '../index.js';
import { HttpError, type HttpErrorCode } from './http-error.js';

export interface ErrorReply {
  status: number;
  code: ErrorCode | HttpErrorCode;
  message: string;
  /** CURSOR_EXPIRED only: the oldest LSN the change feed can still read from. */
  oldestLsn?: number;
}

/** A Record over ErrorCode, so a code added to StemeDB fails to compile until it is mapped here. */
const statusByStemeCode: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_RECORD: 400,
  RECORD_SIZE: 413,
  NOT_FOUND: 404,
  // The vote names a resource that does not exist: 404, as for a missing record.
  UNKNOWN_ASSERTION: 404,
  EPOCH_CONFLICT: 409,
  // Retracting or superseding another source's assertion: understood, and not allowed.
  NOT_AUTHOR: 403,
  // The query names an epoch that does not exist: 404, as for a missing record.
  UNKNOWN_EPOCH: 404,
  INVALID_QUERY: 400,
  INVALID_CURSOR: 400,
  // The change feed's cursor points into deleted WAL segments: gone for good, as 410 says.
  CURSOR_EXPIRED: 410,
  // The database cannot take writes (or reads) right now; a restart or a retry may help.
  WAL_FAILED: 503,
  CLOSED: 503,
  STORAGE: 503,
  LOCKED: 503,
  // Damage on disk found while serving: not the client's fault and not transient.
  WAL_CORRUPT: 500,
  // The backup target already holds something: the request conflicts with what is on disk.
  BACKUP_TARGET_EXISTS: 409,
  // Cluster mode: the subject's partition is served by another node and none answered (421
  // Misdirected Request: ask a node that owns it; the message names them).
  NOT_OWNER: 421,
  // The node's partition count disagrees with the stream's: a configuration error, not the client's.
  PARTITION_MISMATCH: 500,
  // JetStream did not acknowledge in time (no quorum, servers restarting): retry later.
  CLUSTER_UNAVAILABLE: 503,
};

/** fastify's error codes (node_modules/fastify/lib/errors.js) that we answer with our own. */
const frameworkReplies: Record<string, { status: number; code: HttpErrorCode }> = {
  FST_ERR_VALIDATION: { status: 400, code: 'INVALID_REQUEST' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST' },
  FST_ERR_BAD_URL: { status: 400, code: 'INVALID_REQUEST' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, code: 'INVALID_REQUEST' },
};

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  message: string;
}

function frameworkReply(error: FrameworkError): ErrorReply | undefined {
  const known = typeof error.code === 'string' ? frameworkReplies[error.code] : undefined;
  if (known !== undefined) return { ...known, message: error.message };
  // Any other client error fastify raises (a malformed header, say) stays a 4xx.
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, code: 'INVALID_REQUEST', message: error.message };
  return undefined;
}

export function errorReply(error: unknown): ErrorReply {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof CursorExpiredError) return { status: statusByStemeCode[error.code], code: error.code, message: error.message, oldestLsn: error.oldestLsn };
  if (error instanceof StemeError) return { status: statusByStemeCode[error.code], code: error.code, message: remoteMessage(error) };
  if (error instanceof Error) {
    const reply = frameworkReply(error);
    if (reply !== undefined) return reply;
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error; the server log has the details' };
}
