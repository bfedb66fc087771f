/**
 * One `orderflow dev` per data folder: two servers on the same store would corrupt it. Also
 * reaps servers that a previous dev session left running when it was killed without cleanup.
 */
import fs from 'node:fs';
import path from 'node:path';

import { UserError } from '../../shared/errors';
import { isProcessAlive } from '../servers/process';

/** The lock, in the data folder: the pid of the dev using it. */
const LOCK_FILE = 'dev.pid';

export class DevAlreadyRunningError extends UserError {
  override readonly name = 'DevAlreadyRunningError';
  readonly exitCode = 2;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The pid of the live orderflow dev holding `dataDir`'s lock, if one does (a dead holder's lock is none). */
export function liveLockHolder(dataDir: string): number | undefined {
  let holder: number;
  try {
    holder = Number(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(holder) && holder > 0 && isProcessAlive(holder) ? holder : undefined;
}

/**
 * Takes the folder's lock (throws when another live dev holds it) and kills servers that a dead
 * previous holder registered in `runDir`. Returns a release function.
 */
export function acquireDevLock(dataDir: string, runDir: string): () => void {
  fs.mkdirSync(runDir, { recursive: true });
  const lockFile = path.join(dataDir, LOCK_FILE);
  const holder = liveLockHolder(dataDir);
  if (holder !== undefined && holder !== process.pid) {
    throw new DevAlreadyRunningError(
      `another orderflow dev (pid ${holder}) is using ${dataDir}; stop it first, or pass --data-dir to use another folder`,
    );
  }
  for (const entry of fs.readdirSync(runDir)) {
    const pid = Number(entry);
    const name = fs.readFileSync(path.join(runDir, entry), 'utf8').trim();
    if (Number.isInteger(pid) && isProcessAlive(pid) && name && commandLine(pid).includes(name))
      process.kill(pid, 'SIGKILL');
    fs.rmSync(path.join(runDir, entry), { force: true });
  }
  fs.writeFileSync(lockFile, String(process.pid));
  return () => {
    if (fs.existsSync(lockFile) && fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid))
      fs.rmSync(lockFile);
  };
}
