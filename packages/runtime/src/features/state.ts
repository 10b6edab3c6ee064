import type { RuntimeFeature } from '../global-scope.js';

// Owned by the state work; installs its services and script globals.
export const stateFeature: RuntimeFeature = { name: 'state' };
