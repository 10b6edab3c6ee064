// utils-basics.js: Utils.uuid, Utils.timestamp, Utils.hash and Utils.sleep from JavaScript.
//   llmspell run examples/js/utils-basics.js
// Utils.sleep returns a promise: await it.

const id = Utils.uuid();
print(`run id: ${id}`);

const started = Utils.timestamp(); // Unix seconds with a millisecond fraction

// Hex digests, sha256 by default. Objects are hashed as their JSON text (so key order matters).
const sha = Utils.hash('hello');
const sha1 = Utils.hash('hello', 'sha1');
const cacheKey = Utils.hash({ prompt: 'hello', model: 'gpt-4o-mini' });
print(`sha256(hello) = ${sha}`);
print(`cache key     = ${cacheKey.slice(0, 16)}`);

await Utils.sleep(0.05);
const elapsed = Utils.timestamp() - started;
print(`slept ${elapsed.toFixed(3)} s`);

let badAlgorithm;
try {
  Utils.hash('x', 'crc32');
} catch (err) {
  badAlgorithm = err.code;
  print(err.message);
}

export default {
  uuid_ok: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
  sha256: sha,
  sha1,
  slept_enough: elapsed >= 0.05,
  bad_algorithm: badAlgorithm,
};
