import { type ErrorCode, type ToolOutput, isLlmspellError } from '@llmspell/core';

/**
 * Failures of the outside service or of its configuration (not of the call's parameters, and
 * not policy refusals). rs-llmspell's email and database tools, and its external-tools guide,
 * report these as data — `{success = false, error = {code, message}}` — instead of raising.
 */
const SOFT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'PROVIDER_NOT_CONFIGURED', 'MISSING_API_KEY', 'PROVIDER_ERROR', 'IO_ERROR', 'TIMEOUT', 'NOT_FOUND', 'PACKAGE_NOT_INSTALLED',
]);

/** Runs `work`; a service/configuration failure becomes a `success = false` result, anything else is rethrown. */
export async function softFailure(operation: string, failedWhat: string, work: () => Promise<ToolOutput>): Promise<ToolOutput> {
  try {
    return await work();
  } catch (error) {
    if (!isLlmspellError(error) || !SOFT_CODES.has(error.code)) throw error;
    return {
      operation,
      success: false,
      message: `${failedWhat}: ${error.detail}`,
      error: { code: error.code, message: error.message, ...(error.details && Object.keys(error.details).length ? { details: error.details } : {}) },
    };
  }
}
