/**
 * One self-rewriting status line on stderr, shown only when stderr is a terminal so that
 * scripts and pipes see nothing but the report.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws the line every `intervalMs` with what `render` returns. */
  start(render: () => Promise<string>, intervalMs = 250): void {
    if (!this.enabled || this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      render()
        .then((text) => this.draw(text))
        .catch(() => {})
        .finally(() => (busy = false));
    }, intervalMs);
    this.timer.unref();
  }

  private draw(text: string): void {
    if (!this.timer) return;
    const width = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${text.slice(0, width - 1)}`);
    this.shown = true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
