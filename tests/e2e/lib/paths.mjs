import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const e2eDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = join(e2eDir, '..', '..');
export const sdkDir = join(repoDir, 'npm', 'monitor-sdk');
