import { LlmspellError } from '@llmspell/core';
import { parseJq } from './parse.js';
import { Budget, type JqLimits } from './budget.js';
import { jsonPreview, jsonSizeWithin } from './json-size.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../json-text.js';
import { activateBudget, Env, JqError, type Json } from './values.js';
import { Interpreter } from './interpreter.js';

export type { JqLimits } from './budget.js';

/**
 * Runs a jq program against one input and returns every output. Errors become
 * INVALID_ARGUMENT naming the `query` parameter, with jq's message.
 */
export function runJq(query: string, input: Json, limits: JqLimits = {}, vars: Record<string, Json> = {}): Json[] {
  const ast = parseJq(query);
  const budget = new Budget(limits);
  const env = new Env(null, new Map(Object.entries(vars)));
  const restore = activateBudget(budget);
  try {
    const outputs = new Interpreter(budget).run(ast, input, env);
    // The outputs become JSON text for the script: a value built by sharing must not expand past the limit there.
    let room = budget.maxValueBytes;
    for (const o of outputs) {
      const size = jsonSizeWithin(o, room);
      if (size === Infinity) {
        throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter 'query': the jq output is over ${budget.maxValueBytes} bytes of JSON ([tools.json_processor] max_output_bytes)`);
      }
      room -= size;
      // The script bridges refuse deeper values, and serialising one past the stack crashes.
      if (jsonDeeperThan(o)) {
        throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter 'query': the jq output is nested deeper than ${MAX_JSON_DEPTH} levels`, { details: { parameter: 'query', limit: MAX_JSON_DEPTH } });
      }
    }
    return outputs;
  } catch (error) {
    if (error instanceof JqError) {
      // The raised value goes into details only when it is small: it may be a huge shared structure.
      const value = jsonSizeWithin(error.value, 8192) === Infinity ? jsonPreview(error.value, 8192) : error.value;
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'query': jq error: ${error.message}`, { details: { query, jq_error: value } });
    }
    if (error instanceof RangeError) {
      const tooLarge = !/call stack/i.test(error.message);
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter 'query': jq evaluation too ${tooLarge ? 'large' : 'deep'} (${error.message})`);
    }
    throw error;
  } finally {
    restore();
  }
}
