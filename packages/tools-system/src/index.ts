import type { Tool } from '@llmspell/core';
import { environmentReaderTool } from './environment-reader.js';
import { processExecutorTool } from './process-executor.js';
import { serviceCheckerTool } from './service-checker.js';
import { systemMonitorTool } from './system-monitor.js';

export { DEFAULT_ALLOWED_ENV_VARS, classifyVariable, environmentReaderTool } from './environment-reader.js';
export type { Visibility } from './environment-reader.js';
export { DEFAULT_MAX_EXECUTION_SECONDS, DEFAULT_MAX_OUTPUT_BYTES, SAFE_ENV_VARS, processExecutorTool } from './process-executor.js';
export { parseHostPort, serviceCheckerTool } from './service-checker.js';
export { cpuInfo, diskInfo, memoryInfo, systemMonitorTool, systemStats } from './system-monitor.js';

/** The four system tools, ready to register. */
export const systemTools: Tool[] = [environmentReaderTool, processExecutorTool, serviceCheckerTool, systemMonitorTool];
