import { setMaxListeners } from 'node:events';
import { deriveContext, executeComponent, type Component, type ExecuteOptions, type ExecutionContext } from '@llmspell/core';
import { STREAM_SINK, type AgentOutput, type StreamSink } from './llm-agent.js';

/**
 * Runs an agent through `executeComponent` (hooks, events, limits) while handing each text
 * chunk to `onChunk` as it arrives. Resolves with the full AgentOutput.
 */
export function streamAgent(
  agent: Component<unknown, AgentOutput>,
  input: unknown,
  ctx: ExecutionContext,
  onChunk: StreamSink,
  options?: ExecuteOptions,
): Promise<AgentOutput> {
  const streamCtx = deriveContext(ctx, { services: { ...ctx.services, [STREAM_SINK]: onChunk } });
  return executeComponent(agent, input, streamCtx, options);
}

export interface AgentChunkIterator {
  /** The next chunk, or `{done: true}` once the answer is complete. Rejects on failure. */
  next(): Promise<{ done: boolean; value?: { text: string } }>;
  /** Stops early: cancels the model call. */
  return(): Promise<{ done: true }>;
  /** The full AgentOutput, once the stream has ended. */
  result(): Promise<AgentOutput>;
}

/**
 * A pull-based view of a streamed agent call, for `for await` in scripts. The producer waits
 * for the consumer (one chunk in flight), so a slow consumer slows the model read, not memory.
 */
export function agentChunkIterator(
  agent: Component<unknown, AgentOutput>,
  input: unknown,
  ctx: ExecutionContext,
  options?: ExecuteOptions,
): AgentChunkIterator {
  const controller = new AbortController();
  // The agent's parallel tool calls all listen on it; Node would warn on stderr past 10.
  setMaxListeners(0, controller.signal);
  const onParentAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onParentAbort, { once: true });
  const childCtx = deriveContext(ctx, { signal: controller.signal });

  // One pending chunk and one pending reader, matched up like a channel of capacity 0.
  let pendingChunk: { text: string; delivered: () => void } | undefined;
  let waitingReader: ((r: { done: boolean; value?: { text: string } }) => void) | undefined;
  let waitingReaderFail: ((e: unknown) => void) | undefined;
  let finished = false;
  let failure: unknown;

  const done = streamAgent(agent, input, childCtx, (chunk) => new Promise<void>((resolve) => {
    if (waitingReader) {
      const r = waitingReader;
      waitingReader = undefined;
      waitingReaderFail = undefined;
      r({ done: false, value: chunk });
      resolve();
    } else {
      pendingChunk = { text: chunk.text, delivered: resolve };
    }
  }), options);
  const settled = done.then(
    (out) => out,
    (error) => {
      failure = error;
      throw error;
    },
  ).finally(() => {
    finished = true;
    ctx.signal.removeEventListener('abort', onParentAbort);
    if (waitingReader) {
      const r = waitingReader;
      const f = waitingReaderFail!;
      waitingReader = undefined;
      waitingReaderFail = undefined;
      if (failure !== undefined) f(failure);
      else r({ done: true });
    }
  });
  // The failure is reported through next()/result(); do not let it go unhandled meanwhile.
  settled.catch(() => {});

  return {
    next() {
      if (pendingChunk) {
        const c = pendingChunk;
        pendingChunk = undefined;
        c.delivered();
        return Promise.resolve({ done: false, value: { text: c.text } });
      }
      if (finished) return failure !== undefined ? Promise.reject(failure) : Promise.resolve({ done: true });
      return new Promise((resolve, reject) => {
        waitingReader = resolve;
        waitingReaderFail = reject;
      });
    },
    async return() {
      if (!finished) controller.abort();
      if (pendingChunk) {
        pendingChunk.delivered();
        pendingChunk = undefined;
      }
      await settled.catch(() => {});
      return { done: true };
    },
    result: () => settled,
  };
}
