// GoBGP-style AS-path regular expressions. The path is written "65001 65002 {65003,65004}" and `_` stands for a
// boundary (start, end, space, comma, brace), so "_65000_" finds AS 65000 anywhere and "^65001_" a first AS.
import { AsPathSegmentType } from '../wire/constants.js';
import type { AsPathSegment } from '../wire/types.js';
import { RibError } from '../rib/errors.js';

const BOUNDARY = '(?:^|$|[ ,{}()])';

export function asPathText(segments: readonly AsPathSegment[] | undefined): string {
  if (segments === undefined) return '';
  return segments
    .map((s) => {
      switch (s.type) {
        case AsPathSegmentType.AS_SET:
          return `{${s.asns.join(',')}}`;
        case AsPathSegmentType.AS_CONFED_SEQUENCE:
          return `(${s.asns.join(' ')})`;
        case AsPathSegmentType.AS_CONFED_SET:
          return `[${s.asns.join(',')}]`;
        default:
          return s.asns.join(' ');
      }
    })
    .join(' ');
}

export function compileAsPathRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace(/_/g, BOUNDARY));
  } catch (e) {
    throw new RibError(`bad AS-path expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}
