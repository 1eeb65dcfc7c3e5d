// POST /v1/admin/backup: an online backup of the served database into a directory under the
// server's backup directory (serve --backup-dir). Writes need the bearer token like every
// other write; the server refuses to start with a backup directory but no token, so this route
// is never open. The body names the target relative to the backup directory; the answer says
// what was copied (docs/operations.md, "Backup and restore").
import type { FastifyInstance } from 'fastify';
import { BackupTargetExistsError, type StemeDB } from '../../index.js';
import { resolveBackupTarget } from '../backup-target.js';
import { HttpError } from '../http-error.js';
import { errorResponses } from '../schemas/common.js';

/** Characters a target may hold: no control characters (NUL above all). */
const targetPattern = '^[^\\u0000-\\u001f]+$';
const targetCharsMax = 1024;

const count = { type: 'integer', minimum: 0 } as const;

const bodySchema = {
  type: 'object',
  required: ['target'],
  additionalProperties: false,
  properties: {
    target: { type: 'string', minLength: 1, maxLength: targetCharsMax, pattern: targetPattern, description: 'a new or empty directory, relative to the backup directory' },
    compact: { type: 'boolean', description: 'rewrite the KV copy without free pages (slower, smaller); default false' },
  },
} as const;

const reportSchema = {
  type: 'object',
  required: ['target', 'kvCheckpointLsn', 'walFirstLsn', 'walEndLsn', 'walSegments', 'walBytes', 'compact', 'durationMs'],
  properties: {
    target: { type: 'string', description: 'as given' },
    kvCheckpointLsn: { ...count, description: 'records before this LSN are in the KV copy' },
    walFirstLsn: count,
    walEndLsn: { ...count, description: 'the copy holds every record before this LSN: every write acknowledged before the request' },
    walSegments: count,
    walBytes: count,
    compact: { type: 'boolean' },
    durationMs: { type: 'number' },
  },
} as const;

export function adminRoutes(app: FastifyInstance, db: StemeDB, backupRoot: string | undefined): void {
  app.post<{ Body: { target: string; compact?: boolean } }>(
    '/v1/admin/backup',
    { schema: { summary: 'Back up the live database into a directory under the backup directory', tags: ['admin'], security: [{ bearerAuth: [] }], body: bodySchema, response: { 201: reportSchema, ...errorResponses } } },
    async (request, reply) => {
      if (backupRoot === undefined) throw new HttpError(403, 'BACKUPS_DISABLED', 'this server has no backup directory (serve --backup-dir)');
      const dir = resolveBackupTarget(backupRoot, request.body.target);
      let copied;
      try {
        copied = await db.backup(dir, { compact: request.body.compact === true });
      } catch (error) {
        // Named as the client named it: the absolute path under the backup directory stays here.
        if (error instanceof BackupTargetExistsError) throw new BackupTargetExistsError(request.body.target);
        throw error;
      }
      const { dir: _, ...report } = copied;
      return reply.code(201).send({ target: request.body.target, ...report });
    },
  );
}
