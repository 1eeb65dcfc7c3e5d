// The process exit codes `stemedb` uses, documented in docs/cli.md. Scripts rely on them:
// 2 means "fix the command line", 3 means "another process has the database open, retry later".

export const exitOk = 0;
/** Any failure that is not a usage error or a held lock; also `verify` finding damage. */
export const exitFailure = 1;
export const exitUsage = 2;
export const exitLocked = 3;
