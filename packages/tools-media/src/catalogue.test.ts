import { z } from '@llmspell/core';
import { audioProcessor, imageProcessor, mediaTools, videoProcessor } from './index.js';

describe('media tool catalogue', () => {
  it('exports the three tools under the reference names, category media, level restricted (they read files)', () => {
    expect(mediaTools.map((t) => t.name)).toEqual(['audio_processor', 'video_processor', 'image_processor']);
    expect(mediaTools).toEqual([audioProcessor, videoProcessor, imageProcessor]);
    for (const tool of mediaTools) {
      expect(tool.category).toBe('media');
      expect(tool.securityLevel).toBe('restricted');
      expect(tool.kind).toBe('tool');
      expect(tool.description.length).toBeGreaterThan(20);
    }
  });

  it('accepts the CODE parameter names and the DOC aliases in the schema', () => {
    const props = (t: typeof audioProcessor) => Object.keys((z.toJSONSchema(t.parameters, { io: 'input' }) as { properties: Record<string, unknown> }).properties);
    expect(props(audioProcessor)).toEqual(expect.arrayContaining(['operation', 'file_path', 'path', 'source_path', 'target_path', 'target_format']));
    expect(props(videoProcessor)).toEqual(expect.arrayContaining(['operation', 'file_path', 'path', 'target_path', 'timestamp_seconds']));
    expect(props(imageProcessor)).toEqual(expect.arrayContaining([
      'operation', 'file_path', 'path', 'source_path', 'target_path', 'width', 'height', 'x', 'y', 'degrees', 'maintain_aspect_ratio', 'target_format', 'max_width', 'max_height',
    ]));
    expect(imageProcessor.validate({ file_path: 'a.png' })).toMatchObject({ operation: 'metadata', degrees: 90, maintain_aspect_ratio: true, max_width: 200, max_height: 200 });
    expect(videoProcessor.validate({ operation: 'get_info', path: 'a.mp4' })).toMatchObject({ operation: 'metadata', timestamp_seconds: 0 });
    expect(audioProcessor.validate({ operation: 'EXTRACT_METADATA', path: 'a.wav' })).toMatchObject({ operation: 'metadata' });
  });
});
