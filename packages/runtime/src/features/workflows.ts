import type { RuntimeFeature } from '../global-scope.js';

// Owned by the workflows work; installs its services and script globals.
export const workflowsFeature: RuntimeFeature = { name: 'workflows' };
