import { defineTool, z, paramError } from '@llmspell/core';
import {
  CONSTANTS, ExpressionError, FUNCTIONS, MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, OPERATORS, checkNames, evaluate, parseExpression,
  type Value,
} from './expression.js';

const NAME = 'calculator';

const parameters = z.object({
  operation: z.enum(['evaluate', 'validate', 'functions']).default('evaluate')
    .describe("'evaluate' computes the expression, 'validate' only checks it, 'functions' lists functions, constants and operators"),
  input: z.string().optional()
    .describe("The expression, e.g. '2 + 3 * 4', 'sqrt(x^2 + y^2)', 'x > 3 and y < 2'. Required for evaluate and validate"),
  expression: z.string().optional().describe("Old name of 'input' (DOC); used when 'input' is absent"),
  variables: z.record(z.string(), z.union([z.number(), z.boolean()])).default({})
    .describe("Variable values by name, e.g. {x = 3, y = 4}; numbers or booleans"),
});

function positionDetails(error: ExpressionError): Record<string, unknown> {
  return error.position === undefined ? {} : { position: error.position };
}

function checkVariableNames(variables: Record<string, Value>): void {
  for (const name of Object.keys(variables)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) paramError(NAME, `variables.${name}`, 'variable names must be identifiers (letters, digits, _)');
    if (['and', 'or', 'not'].includes(name.toLowerCase())) paramError(NAME, `variables.${name}`, `'${name}' is an operator word`);
    if (Object.hasOwn(FUNCTIONS, name) && !Object.hasOwn(CONSTANTS, name)) paramError(NAME, `variables.${name}`, `'${name}' is a function name`);
    if (typeof variables[name] === 'number' && !Number.isFinite(variables[name])) paramError(NAME, `variables.${name}`, 'must be a finite number');
  }
}

export const calculator = defineTool({
  name: NAME,
  description: 'Safely evaluates math expressions: + - * / % ^, comparisons, boolean logic, functions (sqrt, sin, log, min, max, …), constants pi and e, and variables. No code execution.',
  outputSchema: z.union([
    z.object({
      result: z.union([z.number(), z.boolean()]).describe('The value'),
      result_type: z.enum(['integer', 'float', 'boolean']),
      expression: z.string(),
      variables: z.record(z.string(), z.union([z.number(), z.boolean()])),
    }).describe('evaluate'),
    z.object({ valid: z.boolean(), expression: z.string(), error: z.string().optional(), position: z.number().optional().describe('1-based column of the problem') })
      .describe('validate'),
    z.object({
      functions: z.array(z.object({ name: z.string(), description: z.string(), min_args: z.number(), max_args: z.number().nullable() })),
      constants: z.record(z.string(), z.number()),
      operators: z.array(z.object({ op: z.string(), description: z.string() })),
      limits: z.object({ max_length: z.number(), max_nesting_depth: z.number() }),
    }).describe('functions'),
  ]),
  category: 'utility',
  securityLevel: 'safe',
  tags: ['math', 'expression', 'calculate'],
  parameters,
  examples: [
    { description: 'Operator precedence', params: { input: '2 + 3 * 4' } },
    { description: 'Variables and functions', params: { operation: 'evaluate', input: 'sqrt(x^2 + y^2)', variables: { x: 3, y: 4 } } },
    { description: 'Check an expression without evaluating it', params: { operation: 'validate', input: 'max(a, 2) > 1' } },
  ],
  execute(params) {
    if (params.operation === 'functions') {
      return {
        operation: 'functions',
        message: 'Available functions, constants and operators',
        result: {
          functions: Object.entries(FUNCTIONS).map(([name, f]) => ({
            name,
            description: f.description,
            min_args: f.min,
            max_args: f.max === Infinity ? null : f.max,
          })),
          constants: Object.fromEntries(Object.entries(CONSTANTS)),
          operators: OPERATORS,
          limits: { max_length: MAX_EXPRESSION_LENGTH, max_nesting_depth: MAX_NESTING_DEPTH },
        },
      };
    }
    const input = params.input ?? params.expression;
    if (input === undefined || input.trim() === '') paramError(NAME, 'input', `an expression is required for '${params.operation}'`);
    const variables = params.variables as Record<string, Value>;
    checkVariableNames(variables);

    if (params.operation === 'validate') {
      try {
        checkNames(parseExpression(input), variables);
        return { operation: 'validate', message: 'Expression is valid', result: { valid: true, expression: input } };
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        return {
          operation: 'validate',
          message: 'Expression is invalid',
          result: { valid: false, expression: input, error: error.message, ...positionDetails(error) },
        };
      }
    }

    let value: Value;
    try {
      const ast = parseExpression(input);
      checkNames(ast, variables);
      value = evaluate(ast, variables);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      paramError(NAME, 'input', error.message, 'INVALID_ARGUMENT', { expression: input, ...positionDetails(error) });
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      paramError(NAME, 'input', `result is ${value > 0 ? 'too large (overflow to infinity)' : 'too small (overflow to -infinity)'}`, 'INVALID_ARGUMENT', { expression: input });
    }
    // Normalise -0 so JSON and scripts see 0.
    const result = typeof value === 'number' && Object.is(value, -0) ? 0 : value;
    const resultType = typeof result === 'boolean' ? 'boolean' : Number.isInteger(result) ? 'integer' : 'float';
    return {
      operation: 'evaluate',
      message: `${input} = ${String(result)}`,
      result: { result, result_type: resultType, expression: input, variables },
    };
  },
});
