/*
 * "Did you mean" for names a user typed: tool names, parameter keys, flags. One helper so that
 * every place suggests the same way.
 */

/**
 * Edit distance with adjacent transpositions counting as one edit (optimal string alignment):
 * `inptu` → `input` is 1, as a typist would count it, where plain Levenshtein says 2.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length];
}

/** Case, `-` and `_` do not make names different to a reader (`Web-Scraper` is `web_scraper`). */
function normalise(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/**
 * The candidate closest to `input`, or undefined when none is close enough to be what was
 * meant: at most a third of the longer name may differ (at least one edit, never all of it), or `input` is a
 * prefix of the candidate of four characters or more (`calc` → `calculator`). Ties go to the
 * earlier candidate.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalise(input);
  if (wanted === '') return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const c = normalise(candidate);
    if (c === wanted) return candidate;
    const distance = editDistance(wanted, c);
    const longer = Math.max(wanted.length, c.length);
    const limit = Math.max(1, Math.floor(longer / 3));
    // A prefix counts as a near miss, but ranks behind any real typo match. Replacing every
    // character (`x` → `y`) is not a near miss, however short the names.
    const score = distance <= limit && distance < longer ? distance : wanted.length >= 4 && c.startsWith(wanted) ? limit + 1 + c.length - wanted.length : Infinity;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** ` (did you mean 'x'?)` when a candidate is close to `input`, else the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}
