import type { RuntimeFeature } from '../global-scope.js';
import { hooksFeature } from './hooks.js';
import { stateFeature } from './state.js';
import { agentsFeature } from './agents.js';
import { workflowsFeature } from './workflows.js';
import { mcpFeature } from '../mcp/mcp-feature.js';

/** Order matters: hooks first (others fire them), then state, agents, workflows, MCP (closed first). */
export const builtinFeatures: RuntimeFeature[] = [hooksFeature, stateFeature, agentsFeature, workflowsFeature, mcpFeature];
