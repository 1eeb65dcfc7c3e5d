// Errors the HTTP layer raises itself (bad NDJSON, missing token, unknown record, shutting
// down). Each carries its HTTP status and a stable code that clients branch on; errors from
// the database keep their StemeError codes instead (error-reply.ts maps both).

/** Every code the HTTP layer adds to StemeDB's own error codes (docs/http-api.md). */
export type HttpErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_JSON'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'SHUTTING_DOWN'
  | 'BACKUPS_DISABLED'
  | 'BACKUP_TARGET_FORBIDDEN'
  | 'HOST_NOT_ALLOWED'
  | 'ORIGIN_NOT_ALLOWED'
  | 'TOO_MANY_STREAMS'
  | 'STREAMS_FULL'
  | 'RATE_LIMITED'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'INTERNAL';

export interface HttpErrorOptions {
  cause?: unknown;
  /** Sent as Retry-After (whole seconds): when a refusal for load is worth trying again. */
  retryAfterSeconds?: number;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: HttpErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.name = 'HttpError';
  }
}
