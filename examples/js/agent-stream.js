// agent-stream.js: stream an answer with `for await`, then ask for structured (JSON) output.
//   OPENAI_API_KEY=sk-... llmspell run examples/js/agent-stream.js
//   llmspell run examples/js/agent-stream.js -- --model ollama/llama3.2
// (model selection as in agent-tools.js: --model, else [providers] default_provider, else OpenAI)

let model = ARGS.model;
if (!model && !Config.get('providers.default_provider')) model = 'openai/gpt-4o-mini';

const agent = await Agent.create({
  name: 'guide',
  model,
  system_prompt: 'You are a concise travel guide.',
  max_conversation_length: 0, // stateless: every call stands alone
});

// agent.stream(input) is an async iterator of {text} chunks.
const chunks = [];
for await (const chunk of agent.stream({ text: 'Describe Lisbon in one sentence.' })) {
  chunks.push(chunk.text); // a UI would render each chunk as it arrives
}
print(`${chunks.length} chunks: ${chunks.join('')}`);

// invokeStream takes a callback instead and resolves to the full output.
let callbackChunks = 0;
const full = await agent.invokeStream({ text: 'And Porto?' }, (chunk) => {
  callbackChunks += 1;
});
print(`callback saw ${callbackChunks} chunks; usage: ${full.usage.total_tokens} tokens`);

// Structured output: give a JSON schema, get a validated object back in `object`.
const facts = await agent.invoke({
  text: 'Where is the Belem Tower? Answer with the city and country.',
  schema: {
    type: 'object',
    properties: { city: { type: 'string' }, country: { type: 'string' } },
    required: ['city', 'country'],
  },
});
print(`structured: ${JSON.stringify(facts.object)}`);

export default {
  streamed: chunks.length > 1,
  callback_chunks: callbackChunks === full.chunks_received,
  city: facts.object.city,
  country: facts.object.country,
};
