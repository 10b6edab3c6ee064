export { FIXTURES_DIR, startMockLlmServer } from './mock-llm-server.js';
export type { MockLlmServer, MockLlmServerOptions, MockReply, MockReplySource, MockToolCall, MockUsage, RecordedRequest } from './mock-llm-server.js';
export { mockTextModel, mockToolCallModel } from './mock-models.js';
