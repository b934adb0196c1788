// Holds back generated text that may be the start of a stop string, so streamed text never shows part of one.

/**
 * Text goes in piece by piece; what comes out is safe to show: it never contains a stop string nor ends with the
 * beginning of one. Once a stop string appears, `stopped` is set and the text before it is the last output.
 */
export class StopStringBuffer {
  private held = '';
  stopped = false;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((s) => s === '')) throw new Error('StopStringBuffer: a stop string is empty');
  }

  /** Adds `piece`; returns the text that can be shown now. */
  push(piece: string): string {
    if (this.stopped) return '';
    this.held += piece;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.held.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      const out = this.held.slice(0, cut);
      this.held = '';
      return out;
    }
    const keep = this.partialStopLength();
    const out = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    return out;
  }

  /** The text still held back (at the end of generation it is shown: no stop string came). */
  flush(): string {
    const out = this.held;
    this.held = '';
    return out;
  }

  /** Length of the longest end of the held text that begins some stop string. */
  private partialStopLength(): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, this.held.length); k > best; k--) {
        if (this.held.endsWith(stop.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
