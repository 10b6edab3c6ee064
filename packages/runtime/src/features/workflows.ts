import type { RuntimeFeature } from '../global-scope.js';
import { closeUnitQueue } from '../workflows/workflow-dispatcher.js';
import { createWorkflowGlobal } from '../workflows/workflow-global.js';

/** The `Workflow` global; its distributed runs' job queue opens on first use and closes with the runtime. */
export const workflowsFeature: RuntimeFeature = { name: 'workflows', globals: createWorkflowGlobal, close: closeUnitQueue };
