import { z } from 'zod';
import {
  createExecutionContext, defineLazyTool, defineTool, describeParameters, executeComponent, isTool, outputJsonSchema, parametersJsonSchema,
  SecurityPolicy, toolManifestEntry, type Tool,
} from './index.js';

const encoderDefinition = {
  name: 'encoder',
  aliases: ['encoder-tool'],
  description: 'Encodes text, or a file',
  category: 'utility',
  securityLevel: 'safe',
  parameterLevels: { input_file: 'restricted' },
  parameters: z.object({
    input: z.string().optional().describe('Text to encode'),
    input_file: z.string().optional().describe('A file to encode instead'),
    times: z.number().int().min(1).default(1).describe('Repeat count'),
  }),
  outputSchema: z.object({ output: z.string() }),
  examples: [{ description: 'Encode text', params: { input: 'hi' } }],
  execute: ({ input, times }: { input?: string; times: number }) => ({ result: { output: `<${input ?? 'file'}>`.repeat(times) } }),
} satisfies Parameters<typeof defineTool>[0];
const encoder = defineTool(encoderDefinition);

/** A lazy copy of `tool`, counting the loads of its "package". */
function lazy(tool: Tool, entry = toolManifestEntry(tool)) {
  const loads = { count: 0 };
  const stand = defineLazyTool(entry, async () => {
    loads.count++;
    return tool;
  });
  return { stand, loads };
}

describe('a tool from its manifest entry (loaded on first call)', () => {
  test('lists and describes itself as the tool does, without loading it', () => {
    const { stand, loads } = lazy(encoder);
    expect(isTool(stand)).toBe(true);
    expect([stand.name, stand.aliases, stand.description, stand.category, stand.securityLevel, stand.version, stand.examples])
      .toEqual([encoder.name, encoder.aliases, encoder.description, encoder.category, encoder.securityLevel, encoder.version, encoder.examples]);
    expect(describeParameters(stand.parameters)).toEqual(describeParameters(encoder.parameters));
    expect(parametersJsonSchema(stand.parameters)).toEqual(parametersJsonSchema(encoder.parameters));
    expect(outputJsonSchema(stand.outputSchema!)).toEqual(outputJsonSchema(encoder.outputSchema!));
    expect(stand.callSecurityLevel!({ input_file: 'x' })).toEqual({ level: 'restricted', parameter: 'input_file' });
    expect(loads.count).toBe(0);
    // the stand-in schema never accepts a value: nothing can validate against it by mistake
    expect(stand.parameters.safeParse({ input: 'hi' }).success).toBe(false);
    expect(() => stand.validate({ input: 'hi' })).toThrow(/not loaded yet/);
  });

  test('another copy of core (an add-on\'s own) reads the same schemas off the stand-in', () => {
    const { stand, loads } = lazy(encoder);
    // what a second copy of describe-parameters sees: no shared cache, only the registry symbol
    const seeded = (stand.parameters as unknown as Record<symbol, { parameters?: unknown; output?: unknown }>)[Symbol.for('llmspell.schema.seededJson')];
    expect(seeded?.parameters).toEqual(parametersJsonSchema(encoder.parameters));
    const seededOutput = (stand.outputSchema as unknown as Record<symbol, { output?: unknown }>)[Symbol.for('llmspell.schema.seededJson')];
    expect(seededOutput?.output).toEqual(outputJsonSchema(encoder.outputSchema!));
    expect(loads.count).toBe(0);
  });

  test('its first call loads it once; arguments are checked by the real schema, naming the parameter', async () => {
    const { stand, loads } = lazy(encoder);
    const ctx = createExecutionContext();
    await expect(executeComponent(stand, { input: 'a', times: 2 }, ctx)).resolves.toMatchObject({ success: true, result: { output: '<a><a>' } });
    await expect(executeComponent(stand, { input: 'b' }, ctx)).resolves.toMatchObject({ result: { output: '<b>' } });
    await expect(executeComponent(stand, { input: 'c', times: 0 }, ctx)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'times' } });
    await expect(executeComponent(stand, { inptu: 'c' }, ctx)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(loads.count).toBe(1);
    expect(stand.parameters).toBe(encoder.parameters);
  });

  test('security levels hold before and after the load: the tool level, and a parameter that raises it', async () => {
    const safeOnly = createExecutionContext({ policy: new SecurityPolicy({ maxSecurityLevel: 'safe' }) });
    const privileged = defineTool({ ...encoderDefinition, name: 'privileged_encoder', securityLevel: 'privileged', parameterLevels: {}, execute: () => ({ result: 'ran' }) });
    const first = lazy(privileged);
    await expect(executeComponent(first.stand, { input: 'x' }, safeOnly)).rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED' });
    expect(first.loads.count).toBe(0); // refused before any code of it loaded
    const second = lazy(encoder);
    await expect(executeComponent(second.stand, { input_file: '/etc/passwd' }, safeOnly)).rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED', details: { parameter: 'input_file' } });
    await expect(executeComponent(second.stand, { input: 'ok' }, safeOnly)).resolves.toMatchObject({ success: true });
    await expect(executeComponent(second.stand, { input_file: '/etc/passwd' }, safeOnly)).rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED' });
  });

  test('a manifest entry that does not match the loaded code (a lower level) is refused, not run', async () => {
    let ran = false;
    const real = defineTool({ ...encoderDefinition, name: 'raw_exec', securityLevel: 'privileged', parameterLevels: {}, execute: () => { ran = true; return {}; } });
    const stale = { ...toolManifestEntry(real), securityLevel: 'safe' as const };
    const { stand } = lazy(real, stale);
    await expect(executeComponent(stand, { input: 'x' }, createExecutionContext())).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('manifest') });
    expect(ran).toBe(false);
  });

  test('a load that fails is reported by the call and tried again by the next one', async () => {
    let fail = true;
    const stand = defineLazyTool(toolManifestEntry(encoder), async () => {
      if (fail) throw new Error('package missing');
      return encoder;
    });
    const ctx = createExecutionContext();
    await expect(executeComponent(stand, { input: 'x' }, ctx)).rejects.toThrow('package missing');
    fail = false;
    await expect(executeComponent(stand, { input: 'x' }, ctx)).resolves.toMatchObject({ result: { output: '<x>' } });
  });
});
