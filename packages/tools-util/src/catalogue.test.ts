import { describeParameters, executeComponent, createExecutionContext, parametersJsonSchema } from '@llmspell/core';
import * as pkg from './index.js';

const { utilTools } = pkg;

const EXPECTED: Record<string, 'safe' | 'restricted'> = {
  uuid_generator: 'safe',
  base64_encoder: 'safe',
  hash_calculator: 'restricted',
  text_manipulator: 'safe',
  calculator: 'safe',
  date_time_handler: 'safe',
  diff_calculator: 'safe',
  data_validation: 'safe',
  template_engine: 'restricted',
};

describe('utilTools catalogue', () => {
  it('exports the nine tools with the spec names, category and security levels', () => {
    expect(utilTools.map((t) => t.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const tool of utilTools) {
      expect(tool.category).toBe('utility');
      expect(tool.securityLevel).toBe(EXPECTED[tool.name]);
      expect(tool.description.length).toBeGreaterThan(40);
      expect(tool.examples.length).toBeGreaterThan(0);
    }
    expect(pkg.calculator).toBe(utilTools.find((t) => t.name === 'calculator'));
  });

  it('documents every parameter', () => {
    for (const tool of utilTools) {
      const params = describeParameters(tool.parameters);
      expect(params.length).toBeGreaterThan(0);
      for (const p of params) {
        expect(`${tool.name}.${p.name}: ${p.description}`).toMatch(/: \S.{8,}/);
      }
      expect(() => parametersJsonSchema(tool.parameters)).not.toThrow();
    }
    const calc = describeParameters(pkg.calculator.parameters);
    expect(calc.find((p) => p.name === 'operation')).toMatchObject({ default: 'evaluate', enum: ['evaluate', 'validate', 'functions'], required: false });
  });

  it('runs every documented example successfully', async () => {
    for (const tool of utilTools) {
      for (const example of tool.examples) {
        const r = await executeComponent(tool, example.params, createExecutionContext());
        expect({ tool: tool.name, example: example.description, success: r.success }).toEqual({ tool: tool.name, example: example.description, success: true });
      }
    }
  });
});
