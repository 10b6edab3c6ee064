import { createExecutionContext, executeComponent, isTool } from '@llmspell/core';
import { describe, expect, test } from 'vitest';
import plugin, { slugify, wordStats } from './index.js';

describe('example tool plugin', () => {
  test('exports tools', () => {
    expect(plugin.every(isTool)).toBe(true);
  });

  test('word_stats counts', async () => {
    const r = await executeComponent(wordStats, { input: 'The cat saw the dog. The end!' }, createExecutionContext());
    expect(r.result).toEqual({ words: 7, sentences: 2, characters: 29, frequent: [{ word: 'the', count: 3 }, { word: 'cat', count: 1 }, { word: 'dog', count: 1 }] });
  });

  test('slugify and its errors', async () => {
    expect((await executeComponent(slugify, { input: 'Héllo, World!' }, createExecutionContext())).result).toBe('hello-world');
    await expect(executeComponent(slugify, { input: '!!!' }, createExecutionContext())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(executeComponent(slugify, {}, createExecutionContext())).rejects.toThrow(/parameter 'input'/);
  });
});
