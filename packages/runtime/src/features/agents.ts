import type { RuntimeFeature } from '../global-scope.js';

// Owned by the agents work; installs its services and script globals.
export const agentsFeature: RuntimeFeature = { name: 'agents' };
