import { defineTool, LlmspellError, z } from '@llmspell/core';

/** Word, sentence and character counts of a text. */
export const wordStats = defineTool({
  name: 'word_stats',
  aliases: ['word-stats'],
  description: 'Counts words, sentences and characters of a text, and lists the most frequent words',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({
    input: z.string().describe('The text to analyse'),
    top: z.number().int().min(0).max(100).default(3).describe('How many frequent words to list'),
  }),
  examples: [{ description: 'Count a sentence', params: { input: 'The cat saw the dog.' } }],
  execute: ({ input, top }) => {
    const words = input.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const frequent = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top).map(([word, count]) => ({ word, count }));
    return {
      operation: 'stats',
      result: { words: words.length, sentences: (input.match(/[.!?]+(\s|$)/g) ?? []).length, characters: [...input].length, frequent },
    };
  },
});

/** Turns a title into a URL slug. */
export const slugify = defineTool({
  name: 'slugify',
  description: 'Turns text into a lowercase URL slug',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({
    input: z.string().min(1).describe('Text to slugify'),
    separator: z.string().max(3).default('-').describe('Separator between words'),
  }),
  execute: ({ input, separator }) => {
    const slug = input.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, separator).replace(new RegExp(`^${escape(separator)}+|${escape(separator)}+$`, 'g'), '');
    if (!slug) throw new LlmspellError('INVALID_ARGUMENT', "slugify: parameter 'input' has no letters or digits");
    return { operation: 'slugify', result: slug };
  },
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export default [wordStats, slugify];
