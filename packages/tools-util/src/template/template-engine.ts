import { defineTool, LlmspellError, z, paramError } from '@llmspell/core';
import { renderHandlebars } from './handlebars.js';
import { RenderBudget, TemplateError, type RenderLimits } from './runtime.js';
import { renderTera } from './tera.js';

const NAME = 'template_engine';

const DEFAULTS = {
  max_template_size: 1024 * 1024,
  max_context_size: 10 * 1024 * 1024,
  max_render_time_ms: 5000,
  max_output_size: 10 * 1024 * 1024,
};

export type TemplateDialect = 'tera' | 'handlebars';

/** The reference's heuristic: block helpers/partials mean Handlebars; everything else is Tera. */
export function detectEngine(template: string): TemplateDialect {
  if (/\{\{~?[#/>^]/.test(template) || /\{\{~?\{/.test(template) || /\{\{~?else\s*~?\}\}/.test(template)) return 'handlebars';
  return 'tera';
}

const parameters = z.object({
  input: z.string().optional()
    .describe("The template text, e.g. 'Hello {{ name | upper }}!' (Tera) or 'Hello {{name}}!' (Handlebars). Required (or its DOC name 'template')"),
  template: z.string().optional().describe("DOC name of 'input'; used when 'input' is absent"),
  context: z.record(z.string(), z.unknown()).optional().describe('Variables the template can use (a table/object); default {}'),
  data: z.record(z.string(), z.unknown()).optional().describe("Old name of 'context' (DOC)"),
  variables: z.record(z.string(), z.unknown()).optional().describe("Alias of 'context' (the reference's example scripts)"),
  engine: z.enum(['tera', 'handlebars', 'jinja', 'jinja2']).optional()
    .describe("'tera' (Jinja2-like: {{ x | filter }}, {% if %}, {% for %}) or 'handlebars' ({{x}}, {{#if}}, {{#each}}). Wins over auto_detect; default tera"),
  auto_detect: z.boolean().default(true).describe('When engine is not given, pick handlebars if the template uses {{#…}}, {{/…}}, {{>…}} or {{{…}}}, else tera'),
  auto_escape: z.boolean().default(true).describe('HTML-escape {{ }} output (Tera: except values marked | safe; Handlebars: {{{ }}} is always raw)'),
  operation: z.enum(['render']).optional().describe("DOC compatibility: only 'render'"),
});

function limitFromSettings(settings: Readonly<Record<string, unknown>>, key: keyof typeof DEFAULTS): number {
  const v = settings[key];
  return typeof v === 'number' && v > 0 ? v : DEFAULTS[key];
}

export const templateEngine = defineTool({
  name: NAME,
  description: 'Renders Tera (Jinja2-style) or Handlebars templates with a context: variables, filters/helpers, conditionals and loops. Sandboxed: no includes, partials or file access; size and render-time limits.',
  outputSchema: z.object({
    rendered: z.string().describe('The rendered text'), engine: z.enum(['tera', 'handlebars']), template_length: z.number(),
    context_size: z.number().describe('Bytes of the context as JSON'),
  }),
  category: 'utility',
  securityLevel: 'restricted',
  tags: ['template', 'render', 'tera', 'handlebars', 'jinja'],
  parameters,
  examples: [
    { description: 'Tera loop with a filter', params: { input: '{% for u in users %}{{ loop.index }}. {{ u.name | upper }}\n{% endfor %}', context: { users: [{ name: 'ann' }, { name: 'bob' }] } } },
    { description: 'Handlebars conditional', params: { input: '{{#if admin}}Welcome, {{name}}!{{else}}Hi {{name}}{{/if}}', context: { admin: true, name: 'Ann' }, engine: 'handlebars' } },
  ],
  execute(params, ctx) {
    const template = params.input ?? params.template;
    if (template === undefined) paramError(NAME, 'input', "is required: the template text (DOC name 'template' is accepted too)");
    const context = params.context ?? params.data ?? params.variables ?? {};
    const maxTemplate = limitFromSettings(ctx.settings, 'max_template_size');
    if (template.length > maxTemplate) {
      paramError(NAME, 'input', `template is ${template.length} characters, over the limit of ${maxTemplate}`, 'SIZE_LIMIT_EXCEEDED');
    }
    const contextSize = JSON.stringify(context).length;
    const maxContext = limitFromSettings(ctx.settings, 'max_context_size');
    if (contextSize > maxContext) paramError(NAME, 'context', `context is ${contextSize} bytes as JSON, over the limit of ${maxContext}`, 'SIZE_LIMIT_EXCEEDED');

    const engine: TemplateDialect = params.engine
      ? (params.engine === 'handlebars' ? 'handlebars' : 'tera')
      : params.auto_detect ? detectEngine(template) : 'tera';
    const limits: RenderLimits = {
      maxRenderMs: limitFromSettings(ctx.settings, 'max_render_time_ms'),
      maxOutputChars: limitFromSettings(ctx.settings, 'max_output_size'),
      maxDepth: 100,
    };
    const budget = new RenderBudget(limits, ctx.signal);
    let rendered: string;
    try {
      rendered = engine === 'handlebars'
        ? renderHandlebars(template, context, params.auto_escape, budget)
        : renderTera(template, context, params.auto_escape, budget);
    } catch (error) {
      if (error instanceof TemplateError) {
        if (error.code === 'limit') throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${NAME}: ${error.message}`, { details: { tool: NAME, engine } });
        paramError(NAME, 'input', `${engine} ${error.code === 'syntax' ? 'syntax error' : 'render error'}: ${error.message}`, 'INVALID_ARGUMENT', {
          engine,
          ...(error.line !== undefined ? { line: error.line } : {}),
        });
      }
      if (error instanceof RangeError) throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${NAME}: template too complex to render (${error.message})`);
      throw error;
    }
    return {
      operation: 'render_template',
      message: `Template rendered successfully using ${engine} engine`,
      result: { rendered, engine, template_length: template.length, context_size: contextSize },
      metadata: { engine, template_length: template.length },
    };
  },
});
