import { SqlGuardException } from '../sql-guard.exception';

const MAX_DEPTH = 200;

/** Bounds the analyzer's recursion, so a deeply nested query is refused instead of overflowing the stack. */
export class NestingLimit {
  private depth = 0;

  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw SqlGuardException.rejected(
        'too_deep',
        `The query nests deeper than ${MAX_DEPTH} levels; simplify it.`,
      );
    }
  }

  leave(): void {
    this.depth--;
  }
}
