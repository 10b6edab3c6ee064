import { compileGlob, LlmspellError } from '@llmspell/core';

export type EventMatcher = (type: string) => boolean;

const SPECIAL = /[*?{}[\]\\]/;

/**
 * Compiles an event-type pattern: core's glob dialect (`compileGlob`) with `.` as the separator,
 * so `*` matches within one segment and `**` any number of segments. As in the reference, `*`
 * alone matches everything and a trailing `*` is a prefix match (`agent.*` matches
 * `agent.state.saved` too). A pattern without wildcards is exact; the empty pattern matches
 * nothing.
 */
export function compileEventPattern(pattern: string): EventMatcher {
  if (typeof pattern !== 'string') throw new LlmspellError('INVALID_ARGUMENT', 'event pattern must be a string');
  // Every event type is non-empty, so the empty pattern is exact and matches nothing. Reference
  // scripts subscribe with "" and expect a subscription, not an error.
  if (pattern.length === 0) return () => false;
  if (pattern.length > 512) throw new LlmspellError('INVALID_ARGUMENT', `invalid event pattern '${pattern.slice(0, 40)}…': longer than 512 characters`);
  if (pattern === '*' || pattern === '**') return () => true;
  if (!SPECIAL.test(pattern)) return (type) => type === pattern;
  // The reference's trailing `*` crosses dots: `agent.st*` is `agent.st*.**` in the glob dialect.
  const trailingStar = pattern.endsWith('*') && !pattern.endsWith('\\*') && !pattern.endsWith('.**') && pattern !== '**';
  return compileGlob(trailingStar ? `${pattern}.**` : pattern, { parameter: 'pattern', separator: '.' });
}
