import { LlmspellError } from '@llmspell/core';

export type SharpFactory = typeof import('sharp').default;

let sharpModule: Promise<SharpFactory> | undefined;

/** sharp (libvips) is loaded on first use, so registering the tools stays cheap. */
export function loadSharp(tool: string): Promise<SharpFactory> {
  sharpModule ??= import('sharp').then((m) => m.default).catch((error: unknown) => {
    sharpModule = undefined;
    throw error;
  });
  return sharpModule.catch((error: unknown) => {
    throw new LlmspellError('UNSUPPORTED', `${tool}: the image library 'sharp' cannot be loaded on this platform (${(error as Error).message}); install 'sharp' with its prebuilt '@img/sharp-<platform>' package`, { cause: error });
  });
}
