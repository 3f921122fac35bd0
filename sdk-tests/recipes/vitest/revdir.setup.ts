// Vitest global setup for testing an integration against a local revdir emulator: one
// `revdir serve --emulator` for the whole run, its URL and operator key provided to tests.
//
//   // vitest.config.ts
//   export default { test: { globalSetup: ['./revdir.setup.ts'] } };
//
// In a test file, one throwaway org per file (see org.ts in this directory).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { GlobalSetupContext } from 'vitest/node';

export default async function setup({ provide }: GlobalSetupContext) {
  const key = randomBytes(16).toString('hex');
  const db = join(mkdtempSync(join(tmpdir(), 'revdir-')), 'revdir.db');
  const server = spawn(
    process.env.REVDIR_BIN ?? 'revdir',
    ['serve', '--emulator', '--listen', '127.0.0.1:0', '--db', db, '--operator-key', key],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', () => reject(new Error('revdir exited before listening')));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (line.startsWith('revdir listening on ')) resolve(line.split(' ').pop()!);
    });
  });
  provide('revdirUrl', url);
  provide('revdirOperatorKey', key);
  return () => {
    server.kill('SIGTERM');
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    revdirUrl: string;
    revdirOperatorKey: string;
  }
}
