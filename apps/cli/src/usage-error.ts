import { LlmspellError } from '@llmspell/core/errors';

/**
 * A command line the CLI cannot parse (exit code 2). Its own module, so that parse-args'
 * published declarations do not import @llmspell/core, which the installed CLI does not carry.
 */
export class UsageError extends LlmspellError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'UsageError';
  }
}
