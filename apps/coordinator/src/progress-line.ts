/**
 * One self-rewriting status line on stderr, shown only when stderr is a terminal so that
 * scripts and pipes see nothing but the report. It is fitted to the terminal's width on
 * every draw, and drawn again at once when the terminal is resized.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  /** Draws the last figures again at the current width. */
  private redraw: (() => void) | undefined;
  private readonly onResize = () => this.redraw?.();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /**
   * Every `intervalMs`, reads the figures and draws `format(figures, width)`. `width` is
   * one less than the terminal's columns: text that reaches the last column leaves the
   * cursor waiting to wrap, and some terminals then wrap the next carriage return's line.
   */
  start<T>(read: () => Promise<T>, format: (figures: T, width: number) => string, intervalMs = 250): void {
    if (!this.enabled || this.timer) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      read()
        .then((figures) => {
          this.redraw = () => this.draw(format(figures, (this.stream.columns || 80) - 1));
          this.redraw();
        })
        .catch(() => {})
        .finally(() => (busy = false));
    }, intervalMs);
    this.timer.unref();
    this.stream.on('resize', this.onResize);
  }

  private draw(text: string): void {
    if (!this.timer) return;
    this.stream.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  /** Stops drawing and clears the line, so that what follows starts on a clean line. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.redraw = undefined;
    this.stream.off('resize', this.onResize);
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
