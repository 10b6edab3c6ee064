// hello.js: a first llmspell script in JavaScript. Run it with
//   llmspell run examples/hello.js -- Ada
// No API key needed: it uses the built-in tools only. Host calls return promises.

const name = ARGS[0] ?? ARGS.name ?? 'world';
print(`Hello, ${name}!`);

const sum = await Tool.invoke('calculator', { input: 'sqrt(16) + 2^3' });
print(`sqrt(16) + 2^3 = ${sum.result.result}`);

const id = await Tool.invoke('uuid_generator', { operation: 'generate', version: 'v4' });
const encoded = await Tool.invoke('base64_encoder', { operation: 'encode', input: 'llmspell' });
print(`base64('llmspell') = ${encoded.result.output}`);

try {
  await Tool.invoke('calculator', { input: '1 +' });
} catch (err) {
  print(`bad expression caught: ${err.code}`);
}

print(`tools available: ${Tool.list().length}`);

export default {
  greeting: `Hello, ${name}!`,
  answer: sum.result.result,
  uuid_length: (id.result.uuid ?? id.result.id ?? '').length,
  hash: Utils.hash('llmspell').slice(0, 12),
};
