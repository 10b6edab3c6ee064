import { webSearch } from './web-search.js';

export { webSearch };
export { providerConfig, resetSearchQuotas } from './web-search.js';
export { PROVIDERS, PROVIDER_NAMES, parseDuckDuckGoHtml } from './providers.js';
export type { ProviderConfig, ProviderName, SearchProvider, SearchRequest, SearchResult, SearchType } from './providers.js';

/** Every tool of this package, for registration. */
export const searchTools = [webSearch];
