// json-roundtrip.js: JSON in JavaScript scripts is the engine's own (reviver, replacer, indent).
//   llmspell run examples/js/json-roundtrip.js

const doc = JSON.parse('{"name": "llmspell", "tags": ["lua", "js"], "stars": 42, "meta": {"ok": true}}');
print(`${doc.name} has ${doc.tags.length} tags, first: ${doc.tags[0]}`);

doc.stars += 1;
doc.tags.push('wasm');
const compact = JSON.stringify(doc);
print(compact);
print(JSON.stringify({ nested: { list: [1, 2, 3] } }, null, 2));

// A reviver turns ISO dates back into Date objects; a replacer drops what it returns undefined for.
const withDate = JSON.parse('{"at": "2026-12-04T09:00:00.000Z"}', (key, value) => (key === 'at' ? new Date(value) : value));
const noSecret = JSON.stringify({ user: 'ada', password: 'hunter2' }, (key, value) => (key === 'password' ? undefined : value));

// Bad input throws a SyntaxError you can catch.
let parseError = null;
try {
  JSON.parse('{not json');
} catch (e) {
  parseError = e.name;
}

// Tool results are already parsed objects; JSON is for files, prompts and `r.text`.
const r = await Tool.invoke('calculator', { input: '6*7' });

export default {
  stars: JSON.parse(compact).stars,
  tags: doc.tags,
  year: withDate.at.getUTCFullYear(),
  public_fields: noSecret,
  parse_error: parseError,
  text_result: JSON.parse(r.text).result.result,
};
