// state-scopes.js: remember things between runs with State (every call returns a promise).
//   llmspell run examples/js/state-scopes.js        (run it twice: the counter goes up)
// Scopes keep keys apart: "global", "agent:<name>", "workflow:<name>", "session:<id>", "custom:<x>".

// A tiny "last seen" cache per user, in its own scope.
const scope = 'custom:users';
await State.save(scope, 'ada', { visits: 0, languages: ['en'] });
await State.save(scope, 'grace', { visits: 0, languages: ['en', 'fr'] });

// update(scope, key, fn) is an atomic read-modify-write; fn may be async.
const ada = await State.update(scope, 'ada', async (user) => ({ ...user, visits: user.visits + 1 }));
print(`ada visited ${ada.visits} time(s)`);

// increment(scope, key, delta) is atomic across processes too (SQLite backend).
const total = await State.increment('global', 'example_visits', 5);
await State.increment('global', 'example_visits', -2);
const after = await State.get('global', 'example_visits');
print(`visits counter: ${total} -> ${after}`);

// State.set/get with two arguments use the global scope.
await State.set('motd', 'hello from state-scopes.js');

const users = (await State.list_keys(scope)).sort();
print(`users: ${users.join(', ')}`);

// A key may not start with "__" (reserved): errors carry a code like every other failure.
let badKey;
try {
  await State.save(scope, '__secret', 1);
} catch (err) {
  badKey = err.code;
}

// update returning undefined/null deletes the key.
await State.update(scope, 'grace', () => null);

export default {
  ada_visits: ada.visits,
  counter: after,
  users,
  grace_exists: await State.exists(scope, 'grace'),
  motd: await State.get('motd'),
  bad_key: badKey,
};
