/**
 * Watches the user's files a functions module loaded (worker/fresh-module.ts tells which), with
 * Node's fs.watch on each of their folders rather than on the files: an editor that saves by
 * writing a new file and renaming it over the old one leaves a watch on the old file looking at
 * nothing. Folders, not the project recursively: Node 20's recursive watch on Linux walks and
 * watches the whole tree, node_modules included, where only the loaded files matter.
 */
import { createHash } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';

/** Each watched file's bytes when read; empty for a file that is gone (its next load says so). */
export type Snapshot = ReadonlyMap<string, Buffer>;

export class SourceWatch {
  private readonly files = new Set<string>();
  private readonly folders = new Map<string, FSWatcher>();

  /** `onChange` is told the file that changed; `onError`, a folder that cannot be watched. */
  constructor(
    private readonly onChange: (file: string) => void,
    private readonly onError: (folder: string, err: unknown) => void,
  ) {}

  /** Watches `file` (absolute) from now on; again is nothing. */
  add(file: string): void {
    if (this.files.has(file)) return;
    this.files.add(file);
    const folder = path.dirname(file);
    if (this.folders.has(folder)) return;
    try {
      const watcher = fs.watch(folder, (_event, name) => {
        // Without a name (some platforms) any file of the folder may have changed.
        const changed = name === null ? undefined : path.join(folder, name.toString());
        if (changed === undefined || this.files.has(changed)) this.onChange(changed ?? folder);
      });
      watcher.on('error', (err) => this.onError(folder, err));
      this.folders.set(folder, watcher);
    } catch (err) {
      this.onError(folder, err);
    }
  }

  get watched(): readonly string[] {
    return [...this.files];
  }

  /** Every watched file's bytes now. */
  snapshot(): Snapshot {
    return new Map([...this.files].map((file) => [file, contentOf(file)]));
  }

  /**
   * One digest of every watched file: its bytes in `before` (read before a load, so that a save
   * during the load still differs from what was loaded), else read now (a file the load found).
   */
  digest(before: Snapshot): string {
    const hash = createHash('sha256');
    for (const file of [...this.files].sort()) hash.update(file).update(before.get(file) ?? contentOf(file));
    return hash.digest('hex');
  }

  close(): void {
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }
}

function contentOf(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}
