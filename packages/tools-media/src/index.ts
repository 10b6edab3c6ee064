import type { Tool } from '@llmspell/core';
import { audioProcessor } from './audio-processor.js';
import { imageProcessor } from './image-processor.js';
import { videoProcessor } from './video-processor.js';

export { audioProcessor, imageProcessor, videoProcessor };
export { detectFormat, type DetectedFormat } from './magic-bytes.js';
export { parseWav, type WavInfo } from './wav.js';
export { locateFfmpeg } from './ffmpeg.js';

/** The three media tools, in the reference's order. Heavy libraries load on first use. */
export const mediaTools: Tool[] = [audioProcessor, videoProcessor, imageProcessor];
