import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

/** One scripted model turn: a text answer or tool calls. */
export type MockTurn =
  | { text: string; inputTokens?: number; outputTokens?: number }
  | { toolCalls: Array<{ name: string; arguments: Record<string, unknown>; id?: string }>; inputTokens?: number; outputTokens?: number };

function usage(input: number, output: number) {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/**
 * An in-process model (the ai SDK's MockLanguageModelV3) that plays `turns` in order, then
 * repeats the last one; for unit tests that need no HTTP at all. Use it as a provider
 * registry's `modelFactory: () => mockToolCallModel([...])`.
 */
export function mockToolCallModel(turns: MockTurn[], options: { modelId?: string; provider?: string } = {}): MockLanguageModelV3 {
  let i = 0;
  const next = (): MockTurn => turns[Math.min(i++, turns.length - 1)];
  const content = (turn: MockTurn, n: number) => 'text' in turn
    ? [{ type: 'text' as const, text: turn.text }]
    : turn.toolCalls.map((c, k) => ({ type: 'tool-call' as const, toolCallId: c.id ?? `call_${n}_${k}`, toolName: c.name, input: JSON.stringify(c.arguments) }));
  return new MockLanguageModelV3({
    modelId: options.modelId ?? 'mock-model',
    provider: options.provider ?? 'mock',
    doGenerate: async () => {
      const n = i;
      const turn = next();
      return {
        content: content(turn, n),
        finishReason: { unified: 'text' in turn ? 'stop' : 'tool-calls', raw: undefined },
        usage: usage(turn.inputTokens ?? 10, turn.outputTokens ?? 5),
        warnings: [],
      };
    },
    doStream: async () => {
      const n = i;
      const turn = next();
      const parts: unknown[] = [{ type: 'stream-start', warnings: [] }];
      if ('text' in turn) {
        parts.push({ type: 'text-start', id: 't' });
        for (const w of turn.text.match(/\S+\s*|\s+/g) ?? []) parts.push({ type: 'text-delta', id: 't', delta: w });
        parts.push({ type: 'text-end', id: 't' });
      } else {
        parts.push(...content(turn, n));
      }
      parts.push({
        type: 'finish',
        finishReason: { unified: 'text' in turn ? 'stop' : 'tool-calls', raw: undefined },
        usage: usage(turn.inputTokens ?? 10, turn.outputTokens ?? 5),
      });
      return { stream: simulateReadableStream({ chunks: parts as never[] }) };
    },
  });
}

/** A model that always answers `text`. */
export function mockTextModel(text: string, options: { modelId?: string; inputTokens?: number; outputTokens?: number } = {}): MockLanguageModelV3 {
  return mockToolCallModel([{ text, inputTokens: options.inputTokens, outputTokens: options.outputTokens }], options);
}
