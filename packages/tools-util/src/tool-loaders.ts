import type { Tool } from '@llmspell/core';

/**
 * Each utility tool's own module, by tool name, imported when that tool is first called (the
 * CLI lists the tools from its prebuilt manifest): a run that calls the calculator does not
 * build the other eight tools' schemas. Each loader gives the same object the package's index
 * exports. Kept apart from index.ts, which imports every tool.
 */
export const UTIL_TOOL_LOADERS: Readonly<Record<string, () => Promise<Tool>>> = {
  uuid_generator: () => import('./uuid-generator.js').then((m) => m.uuidGenerator),
  base64_encoder: () => import('./base64-encoder.js').then((m) => m.base64Encoder),
  hash_calculator: () => import('./hash-calculator.js').then((m) => m.hashCalculator),
  text_manipulator: () => import('./text-manipulator.js').then((m) => m.textManipulator),
  calculator: () => import('./calculator/calculator.js').then((m) => m.calculator),
  date_time_handler: () => import('./date-time/date-time-handler.js').then((m) => m.dateTimeHandler),
  diff_calculator: () => import('./diff/diff-calculator.js').then((m) => m.diffCalculator),
  data_validation: () => import('./data-validation.js').then((m) => m.dataValidation),
  template_engine: () => import('./template/template-engine.js').then((m) => m.templateEngine),
};
