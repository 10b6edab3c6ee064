import type { RuntimeFeature } from '../global-scope.js';

// Owned by the hooks work; installs its services and script globals.
export const hooksFeature: RuntimeFeature = { name: 'hooks' };
