import { csvAnalyzer } from './csv-analyzer.js';
import { graphqlQuery } from './graphql-query.js';
import { httpRequest } from './http-request.js';
import { jsonProcessor } from './json-processor.js';

export { csvAnalyzer, graphqlQuery, httpRequest, jsonProcessor };
export { clearIntrospectionCache, INTROSPECTION_QUERY } from './graphql-query.js';
export { runJq } from './jq/evaluate.js';
export type { JqLimits } from './jq/evaluate.js';

/** Every tool of this package, for registration. */
export const dataTools = [jsonProcessor, csvAnalyzer, httpRequest, graphqlQuery];
