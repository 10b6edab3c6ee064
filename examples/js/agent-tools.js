// agent-tools.js: an agent that uses tools, and an agent offered as a tool to everything else.
//   OPENAI_API_KEY=sk-... llmspell run examples/js/agent-tools.js
//   llmspell run examples/js/agent-tools.js -- --model ollama/llama3.2
// Any OpenAI-compatible server works: OPENAI_BASE_URL=http://127.0.0.1:1234/v1 (LM Studio, vLLM,
// llama.cpp, the llmspell-mock-llm test server...), or [providers] in llmspell.toml.

let model = ARGS.model;
if (!model && !Config.get('providers.default_provider')) model = 'openai/gpt-4o-mini';

// Agent.create and invoke return promises in JavaScript.
const analyst = await Agent.create({
  name: 'text-analyst',
  model,
  system_prompt: 'You answer questions about text. Use the tools for counting and hashing; be brief.',
  tools: ['text_manipulator', 'hash_calculator'],
  max_steps: 4,
  temperature: 0,
});

const r = await analyst.invoke({ text: 'Give me the SHA-256 of the word "llmspell" using the hash tool.' });
print(`answer: ${r.text}`);
for (const call of r.metadata.tool_calls) {
  print(`  called ${call.name}(${JSON.stringify(call.arguments)}) -> ${call.error ? `error ${JSON.stringify(call.error)}` : 'ok'}`);
}
const hashCall = r.metadata.tool_calls.find((c) => c.name === 'hash_calculator');

// wrapAsTool turns the agent into a tool {input} -> answer, usable by Tool.invoke, by other
// agents (tools: [...]) and by workflow steps.
const toolName = Agent.wrapAsTool('text-analyst', { tool_name: 'ask_analyst', description: 'Ask the text analyst' });
const viaTool = await Tool.invoke(toolName, { input: 'In one word: is "racecar" a palindrome?' });
print(`via Tool.invoke: ${viaTool.result}`);

// Configuration mistakes are coded errors.
let unknownProvider;
try {
  await Agent.create({ name: 'nowhere', model: 'nosuchprovider/some-model' });
} catch (err) {
  unknownProvider = err.code;
}

export default {
  tool_calls: r.metadata.tool_calls.map((c) => c.name),
  hash_ok: hashCall?.result?.success === true,
  wrapped_tool: toolName,
  tool_answer: typeof viaTool.result === 'string' && viaTool.result.length > 0,
  unknown_provider: unknownProvider,
};
