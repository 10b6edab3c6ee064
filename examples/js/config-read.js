// config-read.js: read the merged configuration (llmspell.toml + environment + defaults).
//   llmspell run examples/js/config-read.js
//   LLMSPELL_ALLOW_NETWORK_ACCESS=false llmspell run examples/js/config-read.js
// Config.get(path, default) and Config.has(path) are synchronous; secrets are masked.

const security = Config.get('runtime.security');
print(`network access: ${security.allow_network_access}, file access: ${security.allow_file_access}`);

// Adapt a script to its environment instead of failing half-way.
const canFetch = Config.get('runtime.security.allow_network_access', false);
print(canFetch ? 'would fetch the page now' : 'network is off: using the cached copy');

// The whole config is one table (Config.get() without a path), handy for debugging.
const sections = Object.keys(Config.get()).sort();
print(`sections: ${sections.join(', ')}`);

export default {
  can_fetch: canFetch,
  timeout: Config.get('runtime.script_timeout_seconds'),
  has_security: Config.has('runtime.security'),
  fallback: Config.get('no.such.key', 'default'),
};
