import { ComponentRegistry, optionalToolPackage } from './index.js';

describe('tools of optional packages', () => {
  const registry = new ComponentRegistry<{ name: string }>('tool', 'TOOL_NOT_FOUND');
  registry.register({ name: 'json_processor' });

  test('a missing one names its package and how to enable it, with no look-alike suggested', () => {
    const e = registry.notFoundError('audio_processor', { noun: 'Tool' });
    expect(e.code).toBe('TOOL_NOT_FOUND');
    expect(e.message).toBe("TOOL_NOT_FOUND: Tool 'audio_processor' not found: it comes with the optional package @llmspell/tools-media, which is not loaded: install it (`npm i -g @llmspell/tools-media`, or `npm i @llmspell/tools-media` in the project) and add `[tools] packages = [\"@llmspell/tools-media\"]` to llmspell.toml");
    expect(e.details).toEqual({ name: 'audio_processor', package: '@llmspell/tools-media' });
    expect(registry.notFoundError('video_processor').message).not.toContain('did you mean');
  });

  test('other names keep the closest registered name', () => {
    expect(registry.notFoundError('json_procesor').message).toBe("TOOL_NOT_FOUND: tool 'json_procesor' not found (did you mean 'json_processor'?)");
    expect(optionalToolPackage('toString')).toBeUndefined();
    // only the tool registry knows tool packages
    expect(new ComponentRegistry('agent', 'AGENT_NOT_FOUND').notFoundError('image_processor').message).toBe("AGENT_NOT_FOUND: agent 'image_processor' not found");
  });
});
