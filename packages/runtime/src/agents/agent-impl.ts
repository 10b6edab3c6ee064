// The part of the Agent API that needs @llmspell/agents (and so the ai SDK); the agents
// feature imports this module on the first call that needs it.
export { AgentServices } from './agent-services.js';
export { createAgentGlobal } from './agent-global.js';
