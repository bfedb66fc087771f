/**
 * Runs an action once things have been quiet for a while, and never twice at once: an editor
 * writes a file in several steps (truncate, write, rename, a backup), each a change event, and
 * the reload should see the file only once it is whole. A poke while the action runs leads to one
 * more run after it, so the last save is never left unloaded.
 */
export class QuietRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pokedWhileRunning = false;
  private closed = false;

  /** `action` must not reject: it reports its own failures. `quietMs`: the quiet it waits for, in ms. */
  constructor(
    private readonly action: () => Promise<void>,
    private readonly quietMs: number,
  ) {}

  /** Something changed: run the action once `quietMs` pass without another poke. */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.pokedWhileRunning = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.quietMs);
  }

  /** Cancels a run not yet started and waits for the one running, if any. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private run(): void {
    this.timer = undefined;
    this.running = this.action().finally(() => {
      this.running = undefined;
      if (!this.pokedWhileRunning) return;
      this.pokedWhileRunning = false;
      this.poke();
    });
  }
}
