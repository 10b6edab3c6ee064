import type { Tool } from '@llmspell/core';
import { base64Encoder } from './base64-encoder.js';
import { calculator } from './calculator/calculator.js';
import { dataValidation } from './data-validation.js';
import { dateTimeHandler } from './date-time/date-time-handler.js';
import { diffCalculator } from './diff/diff-calculator.js';
import { hashCalculator } from './hash-calculator.js';
import { templateEngine } from './template/template-engine.js';
import { textManipulator } from './text-manipulator.js';
import { uuidGenerator } from './uuid-generator.js';

export {
  base64Encoder, calculator, dataValidation, dateTimeHandler, diffCalculator, hashCalculator, templateEngine, textManipulator, uuidGenerator,
};
export { CUSTOM_VALIDATORS } from './data-validation.js';
export type { ValidationError } from './data-validation.js';
export { detectEngine } from './template/template-engine.js';
export type { TemplateDialect } from './template/template-engine.js';
export { TEXT_OPERATIONS } from './text-manipulator.js';

/** All nine utility tools, in the order of the reference's tool list. */
export const utilTools: Tool[] = [
  uuidGenerator, base64Encoder, hashCalculator, textManipulator, calculator, dateTimeHandler, diffCalculator, dataValidation, templateEngine,
];
