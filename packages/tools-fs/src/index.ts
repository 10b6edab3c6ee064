import type { Tool } from '@llmspell/core';
import { archiveHandlerTool } from './archive/archive-handler.js';
import { fileConverterTool } from './file-converter.js';
import { fileOperationsTool } from './file-operations.js';
import { fileSearchTool } from './file-search.js';
import { fileWatcherTool } from './file-watcher.js';

export { archiveHandlerTool, detectFormat } from './archive/archive-handler.js';
export { DEFAULT_MAX_RATIO, DEFAULT_RATIO_MIN_BYTES } from './archive/extract-guard.js';
export type { ArchiveEntry } from './archive/types.js';
export { convertIndentation, convertLineEndings, fileConverterTool } from './file-converter.js';
export { decode, detectEncoding, encode, parseEncoding } from './encodings.js';
export type { Encoding } from './encodings.js';
export { fileOperationsTool } from './file-operations.js';
export { MAX_PATTERN_LENGTH, fileSearchTool } from './file-search.js';
export { WATCHER_DEFAULTS, fileWatcherTool } from './file-watcher.js';
export type { WatchEvent } from './file-watcher.js';

/** The five file system tools, ready to register. */
export const fsTools: Tool[] = [fileOperationsTool, archiveHandlerTool, fileWatcherTool, fileConverterTool, fileSearchTool];
